"""Stages applied in order to a reader's RawDocument: normalize → structure → screen."""
