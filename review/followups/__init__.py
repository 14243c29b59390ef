"""跟踪评估: follow-up evaluation of an approved policy after it takes effect.

At an approving decision the office sets monitoring indicators and a follow-up date; when the date
comes the department is reminded and submits a report; the office accepts it or asks for a new review.
"""
