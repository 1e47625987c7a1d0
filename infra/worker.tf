# The Temporal worker: on ECS Fargate in AWS (when var.worker_image is set); a local process
# at home (make up). Its role may invoke the four services' functions and nothing else: the
# internal routes are reachable only this way.

data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

module "worker_role" {
  source = "./modules/role"

  name        = "${var.name_prefix}-worker-task"
  policy_name = "${var.name_prefix}-worker-access"
  service     = "ecs-tasks.amazonaws.com"
  policy_statements = concat([{
    sid     = "InvokeSagaSteps"
    actions = ["lambda:InvokeFunction"]
    resources = [
      module.service["order"].function_arn,
      module.service["inventory"].function_arn,
      module.service["payment"].function_arn,
      module.service["notification"].function_arn,
    ]
  }], local.temporal_secret_statements)
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${var.name_prefix}-worker"
  retention_in_days = var.log_retention_days
}

resource "aws_iam_role" "worker_execution" {
  count              = var.worker_image == "" ? 0 : 1
  name               = "${var.name_prefix}-worker-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
}

# ECS reads the Temporal API key secret when it starts the task.
resource "aws_iam_role_policy" "worker_execution_secret" {
  count = var.worker_image == "" || var.temporal_api_key_secret == "" ? 0 : 1
  name  = "${var.name_prefix}-worker-execution-secret"
  role  = aws_iam_role.worker_execution[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = local.temporal_secret_arns
    }]
  })
}

resource "aws_iam_role_policy_attachment" "worker_execution" {
  count      = var.worker_image == "" ? 0 : 1
  role       = aws_iam_role.worker_execution[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_ecs_cluster" "worker" {
  count = var.worker_image == "" ? 0 : 1
  name  = "${var.name_prefix}-workers"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "worker" {
  count                    = var.worker_image == "" ? 0 : 1
  family                   = "${var.name_prefix}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 512
  memory                   = 1024
  task_role_arn            = module.worker_role.arn
  execution_role_arn       = aws_iam_role.worker_execution[0].arn
  container_definitions = jsonencode([{
    name      = "worker"
    image     = var.worker_image
    essential = true
    environment = [for k, v in merge(local.temporal_env, {
      ORDER_FUNCTION        = module.service["order"].function_name
      INVENTORY_FUNCTION    = module.service["inventory"].function_name
      PAYMENT_FUNCTION      = module.service["payment"].function_name
      NOTIFICATION_FUNCTION = module.service["notification"].function_name
      RUST_LOG              = var.log_level
    }) : { name = k, value = v }]
    # The Temporal Cloud API key, injected by ECS from Secrets Manager.
    secrets = [for a in local.temporal_secret_arns : {
      name      = "TEMPORAL_API_KEY"
      valueFrom = "arn:aws:secretsmanager:${var.region}:${local.account_id}:secret:${var.temporal_api_key_secret}"
    }]
    stopTimeout = 60
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.worker.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "worker"
      }
    }
  }])
}

resource "aws_ecs_service" "worker" {
  count           = var.worker_image == "" ? 0 : 1
  name            = "${var.name_prefix}-worker"
  cluster         = aws_ecs_cluster.worker[0].id
  task_definition = aws_ecs_task_definition.worker[0].arn
  desired_count   = 2
  launch_type     = "FARGATE"
  network_configuration {
    subnets          = var.worker_subnet_ids
    security_groups  = var.worker_security_group_ids
    assign_public_ip = false
  }
}
