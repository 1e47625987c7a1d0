# An IAM role that one AWS service assumes (Lambda for a function, ECS tasks for the worker),
# with one inline policy of exactly the statements given: nothing is granted by default.

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = var.service }
    }]
  })
}

# Both documents are written with jsonencode rather than aws_iam_policy_document so that they
# are known at plan time, also under the plan tests' mock provider (infra/tests), which assert on it.
locals {
  access_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for s in var.policy_statements : {
      Sid      = s.sid
      Effect   = "Allow"
      Action   = s.actions
      Resource = s.resources
    }]
  })
}

resource "aws_iam_role_policy" "access" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = local.access_policy
}
