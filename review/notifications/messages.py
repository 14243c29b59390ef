"""Notification texts: (subject, body) message ids, translated when rendered."""


def N_(message: str) -> str:
    """Marks a message id for extraction; it is translated when rendered."""
    return message


MESSAGES = {
    "submission.submit": (N_("New submission: %(title)s"), N_("%(department)s submitted “%(title)s” for health review. It waits for intake.")),
    "submission.accept": (N_("Accepted: %(title)s"), N_("The committee office accepted “%(title)s” for health review.")),
    "submission.return": (N_("Returned for completion: %(title)s"), N_("The committee office returned “%(title)s” for completion. Missing or to correct: %(reason)s")),
    "submission.resubmit": (N_("Completed and resubmitted: %(title)s"), N_("The department completed and resubmitted “%(title)s”.")),
    "submission.start_review": (N_("Under review: %(title)s"), N_("The expert review of “%(title)s” (round %(round)s) has started.")),
    "submission.close_review": (N_("Review closed: %(title)s"), N_("The committee office closed the review of “%(title)s”: %(reason)s")),
    "submission.opinions_complete": (N_("All opinions in: %(title)s"), N_("Every expert has submitted an opinion on “%(title)s” (round %(round)s). It is ready for a decision.")),
    "submission.reopen_review": (N_("Review reopened: %(title)s"), N_("The review of “%(title)s” was reopened: %(reason)s")),
    "submission.decide": (N_("Opinion issued: %(title)s"), N_("The committee has concluded its review of “%(title)s” (round %(round)s). Open it to read the conclusion and every opinion.")),
    "submission.confirm_filing": (N_("Filed without expert review: %(title)s"), N_("The committee office confirmed that “%(title)s” has no significant health impact and filed it without expert review: %(reason)s")),
    "followup.due": (N_("Follow-up evaluation due: %(title)s"), N_("The follow-up evaluation of “%(title)s” was due on %(due)s. Please submit the follow-up report: each indicator's result and whether the health effects were as expected.")),
    "followup.report": (N_("Follow-up report submitted: %(title)s"), N_("%(department)s submitted the follow-up report on “%(title)s”.")),
    "followup.accept": (N_("Follow-up report accepted: %(title)s"), N_("The committee office accepted the follow-up report on “%(title)s”.")),
    "followup.new_review": (N_("New review requested: %(title)s"), N_("After the follow-up evaluation of “%(title)s”, the committee office asks for a new health review: %(reason)s. Submit the revised policy for review from the link.")),
    "submission.revise": (N_("Revised draft: %(title)s"), N_("The department uploaded a revised draft of “%(title)s” (round %(round)s).")),
    "submission.withdraw": (N_("Withdrawn: %(title)s"), N_("The department withdrew “%(title)s”: %(reason)s")),
    "assignment.invite": (N_("Review invitation: %(title)s"), N_("You are invited to review “%(title)s”. Please answer the invitation and submit your opinion by %(due)s.")),
    "assignment.accept": (N_("Invitation accepted: %(title)s"), N_("%(expert)s accepted to review “%(title)s”.")),
    "assignment.decline": (N_("Invitation declined: %(title)s"), N_("%(expert)s declined to review “%(title)s”: %(reason)s. The next alternate can be invited from the panel page.")),
    "assignment.conflict": (N_("Conflict of interest declared: %(title)s"), N_("%(expert)s declared a conflict of interest for “%(title)s”: %(reason)s. The next alternate can be invited from the panel page.")),
    "assignment.submit": (N_("Opinion submitted: %(title)s"), N_("%(expert)s submitted an opinion on “%(title)s”.")),
    "assignment.cancel": (N_("Review no longer needed: %(title)s"), N_("Your review of “%(title)s” is no longer needed.")),
    "sheet.revoke": (N_("Opinion sheet revoked: %(serial)s"), N_("The opinion sheet %(serial)s on “%(title)s” was revoked: %(reason)s. It must no longer be relied on.")),
    "reminder.before_due": (N_("Reminder: opinion due %(due)s: %(title)s"), N_("Your opinion on “%(title)s” is due on %(due)s.")),
    "reminder.overdue": (N_("Overdue: %(title)s"), N_("Your opinion on “%(title)s” was due on %(due)s and is overdue. Please submit it or tell the committee office.")),
    "reminder.manual": (N_("Reminder from the committee office: %(title)s"), N_("The committee office reminds you of your review of “%(title)s”, due on %(due)s.")),
}
