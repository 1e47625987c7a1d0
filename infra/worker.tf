# The Temporal worker: on ECS Fargate in AWS; a local process at home (make up). Its task role
# may invoke the four services' functions and nothing else: the internal routes are reachable
# only this way.
#
# Deploying it takes two steps (README, "Deploy to AWS"): the first apply creates the ECR
# repository (output worker_repository_url); push the image built from worker/Dockerfile there
# under an immutable tag, then apply with worker_image_tag set, which creates the cluster,
# task definition, service and autoscaling. Nothing of this exists on the emulator.

locals {
  worker_enabled = var.worker_image != "" || (var.worker_image_tag != "" && !local.local_emulator)
  worker_image = (var.worker_image != "" ? var.worker_image
    : (length(aws_ecr_repository.worker) > 0 && var.worker_image_tag != ""
  ? "${aws_ecr_repository.worker[0].repository_url}:${var.worker_image_tag}" : ""))
  worker_cpu_architecture = var.lambda_architecture == "arm64" ? "ARM64" : "X86_64"
}

module "worker_role" {
  source = "./modules/role"

  name        = "${var.name_prefix}-worker-task"
  policy_name = "${var.name_prefix}-worker-access"
  service     = "ecs-tasks.amazonaws.com"
  policy_statements = [{
    sid     = "InvokeSagaSteps"
    actions = ["lambda:InvokeFunction"]
    resources = [
      module.service["order"].function_arn,
      module.service["inventory"].function_arn,
      module.service["payment"].function_arn,
      module.service["notification"].function_arn,
    ]
  }]
}

resource "aws_cloudwatch_log_group" "worker" {
  name              = "/ecs/${var.name_prefix}-worker"
  retention_in_days = var.log_retention_days
}

# The worker's images: tags cannot be overwritten (a tag names one build for good), every push
# is scanned, and old images expire.
resource "aws_ecr_repository" "worker" {
  count                = local.local_emulator ? 0 : 1
  name                 = "${var.name_prefix}-worker"
  image_tag_mutability = "IMMUTABLE"
  # Images are rebuilt from source; a destroy may take them along.
  force_delete = true

  image_scanning_configuration {
    scan_on_push = true
  }

  # KMS with the AWS-managed key (aws/ecr): no key to manage or pay for.
  encryption_configuration {
    encryption_type = "KMS"
  }
}

resource "aws_ecr_lifecycle_policy" "worker" {
  count      = length(aws_ecr_repository.worker)
  repository = aws_ecr_repository.worker[0].name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Untagged layers go after a week"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 7
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the 30 newest tagged images (rollbacks reach back that far)"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = 30
        }
        action = { type = "expire" }
      },
    ]
  })
}

# The Temporal Cloud secrets the deployer created (README, "Deploy to AWS"), looked up by
# name for their full ARNs, which ECS needs to inject them.
data "aws_secretsmanager_secret" "temporal" {
  for_each = local.worker_enabled ? local.temporal_secrets : {}
  name     = each.value
}

resource "aws_iam_role" "worker_execution" {
  count = local.worker_enabled ? 1 : 0
  name  = "${var.name_prefix}-worker-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}

# ECS reads the Temporal Cloud secrets (API key, or mTLS certificate and key) when it starts a
# task, and hands them to the container as environment variables; nothing else may read them.
resource "aws_iam_role_policy" "worker_execution_secret" {
  count = local.worker_enabled && length(local.temporal_secrets) > 0 ? 1 : 0
  name  = "${var.name_prefix}-worker-execution-secret"
  role  = aws_iam_role.worker_execution[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "TemporalCredentials"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [for k, d in data.aws_secretsmanager_secret.temporal : d.arn]
    }]
  })
}

# Pulling from ECR and writing the container's logs.
resource "aws_iam_role_policy_attachment" "worker_execution" {
  count      = local.worker_enabled ? 1 : 0
  role       = aws_iam_role.worker_execution[0].name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_ecs_cluster" "worker" {
  count = local.worker_enabled ? 1 : 0
  name  = "${var.name_prefix}-workers"
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_task_definition" "worker" {
  count                    = local.worker_enabled ? 1 : 0
  family                   = "${var.name_prefix}-worker"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.worker_cpu
  memory                   = var.worker_memory
  task_role_arn            = module.worker_role.arn
  execution_role_arn       = aws_iam_role.worker_execution[0].arn

  # The image's architecture: the same one variable as the functions'.
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.worker_cpu_architecture
  }

  container_definitions = jsonencode([{
    name      = "worker"
    image     = local.worker_image
    essential = true
    # The worker writes nothing to disk.
    readonlyRootFilesystem = true
    # worker/src/config.rs reads these.
    environment = [for k, v in {
      TEMPORAL_ADDRESS      = var.temporal_address
      TEMPORAL_NAMESPACE    = var.temporal_namespace
      TASK_QUEUE            = var.task_queue
      ORDER_FUNCTION        = module.service["order"].function_name
      INVENTORY_FUNCTION    = module.service["inventory"].function_name
      PAYMENT_FUNCTION      = module.service["payment"].function_name
      NOTIFICATION_FUNCTION = module.service["notification"].function_name
      HEALTH_ADDR           = "${var.worker_metrics_in_vpc ? "0.0.0.0" : "127.0.0.1"}:${var.worker_health_port}"
      LOG_FORMAT            = "json"
      RUST_LOG              = var.log_level
    } : { name = k, value = v }]
    # The endpoint's port, only when a scraper in the VPC reads /metrics (worker_metrics_in_vpc).
    portMappings = var.worker_metrics_in_vpc ? [{ containerPort = var.worker_health_port, protocol = "tcp" }] : []
    # Temporal Cloud credentials from Secrets Manager, by the variable names the Temporal SDK
    # reads: TEMPORAL_API_KEY, or TEMPORAL_TLS_CLIENT_CERT_DATA and TEMPORAL_TLS_CLIENT_KEY_DATA.
    secrets = [for k, d in data.aws_secretsmanager_secret.temporal : { name = k, valueFrom = d.arn }]
    # The worker's own subcommand GETs /health on HEALTH_ADDR (through loopback inside the task,
    # also when it listens on 0.0.0.0) and exits 0 or 1; the distroless image has no shell or
    # curl (worker/Dockerfile). /health is 503 until the worker has reached Temporal and while
    # Temporal does not answer. A task failing it is replaced.
    healthCheck = {
      command     = ["CMD", "/usr/local/bin/sagaway-worker", "healthcheck"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    # SIGTERM, then up to 60 s to finish running activities (the worker drains on SIGTERM).
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

  lifecycle {
    precondition {
      condition     = (var.temporal_tls_cert_secret == "") == (var.temporal_tls_key_secret == "")
      error_message = "temporal_tls_cert_secret and temporal_tls_key_secret go together (mTLS needs both)."
    }
    precondition {
      condition     = var.temporal_api_key_secret == "" || var.temporal_tls_cert_secret == ""
      error_message = "Use one way into Temporal Cloud: temporal_api_key_secret, or temporal_tls_cert_secret with temporal_tls_key_secret."
    }
    precondition {
      condition     = local.worker_image != ""
      error_message = "No worker image: set worker_image_tag (an image pushed to worker_repository_url) or worker_image."
    }
  }
}

resource "aws_ecs_service" "worker" {
  count                  = local.worker_enabled ? 1 : 0
  name                   = "${var.name_prefix}-worker"
  cluster                = aws_ecs_cluster.worker[0].id
  task_definition        = aws_ecs_task_definition.worker[0].arn
  desired_count          = var.worker_min_count
  launch_type            = "FARGATE"
  platform_version       = "LATEST"
  propagate_tags         = "SERVICE"
  enable_execute_command = false

  # A new task definition rolls out while the old tasks keep polling; when the new tasks do not
  # become healthy, ECS stops the rollout and goes back to the last working one.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.worker_subnet_ids
    security_groups  = var.worker_security_group_ids
    assign_public_ip = false
  }

  # Autoscaling owns the count once the service exists.
  lifecycle {
    ignore_changes = [desired_count]
    precondition {
      condition     = length(var.worker_subnet_ids) > 0 && length(var.worker_security_group_ids) > 0
      error_message = "The worker needs worker_subnet_ids (private subnets with a route to Temporal and the Lambda API) and worker_security_group_ids (egress only)."
    }
  }
}

# Target tracking on CPU between worker_min_count and worker_max_count tasks. A worker polls
# rather than serves, so CPU (activities and workflow tasks in flight) is the load signal.
resource "aws_appautoscaling_target" "worker" {
  count              = local.worker_enabled ? 1 : 0
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.worker[0].name}/${aws_ecs_service.worker[0].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.worker_min_count
  max_capacity       = var.worker_max_count

  lifecycle {
    precondition {
      condition     = var.worker_min_count >= 1 && var.worker_min_count <= var.worker_max_count
      error_message = "worker_min_count is at least 1 and at most worker_max_count."
    }
  }
}

resource "aws_appautoscaling_policy" "worker_cpu" {
  count              = local.worker_enabled ? 1 : 0
  name               = "${var.name_prefix}-worker-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker[0].service_namespace
  resource_id        = aws_appautoscaling_target.worker[0].resource_id
  scalable_dimension = aws_appautoscaling_target.worker[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.worker_cpu_target
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
  }
}
