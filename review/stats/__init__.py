"""Statistics of the committee's work: figures (operations), charts (page, report images), the
annual report and the statistics page."""
