# The orders' receipt emails: the notification function sends them through SES (v2 API) from
# one sender, var.email_from, and may send from nothing else. On AWS the identity must be
# verified (SES mails a link to the address) and, while the account is in the SES sandbox,
# each recipient too; the emulator treats a created identity as verified.

# The SES (v1 API) resource: the emulator cannot list the tags the sesv2 resource reads back.
# An identity serves both APIs; the function sends with the v2 API.
resource "aws_ses_email_identity" "orders" {
  email = var.email_from
}

locals {
  email_env = { EMAIL_FROM = var.email_from }
  email_statements = [{
    sid       = "SendOrderEmails"
    actions   = ["ses:SendEmail"]
    resources = [aws_ses_email_identity.orders.arn]
  }]
}
