variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix for every resource name (tables, functions, APIs, roles)."
  type        = string
  default     = "sagaway"
}

variable "aws_endpoint" {
  description = "Custom AWS endpoint for every service (the local emulator, e.g. http://127.0.0.1:4566). Empty for real AWS."
  type        = string
  default     = ""
}

variable "aws_access_key" {
  description = "Access key for the local emulator only (a fake one). Leave null for real AWS: the provider's default chain is used."
  type        = string
  default     = null
}

variable "aws_secret_key" {
  description = "Secret key for the local emulator only (a fake one). Leave null for real AWS."
  type        = string
  default     = null
  sensitive   = true
}

variable "lambda_dir" {
  description = "Folder holding one <function>.zip per Lambda function (each with a bootstrap binary), built by `make zips`."
  type        = string
  default     = "../dist/lambda"
}

variable "lambda_architecture" {
  description = "Architecture of the bootstrap binaries: x86_64 or arm64."
  type        = string
  default     = "x86_64"
}

variable "stage_name" {
  description = "Name of the HTTP API stage; it is the first path segment of every API URL."
  type        = string
  default     = "api"
}

variable "log_level" {
  description = "RUST_LOG filter for the functions."
  type        = string
  default     = "info"
}

variable "throttle_rate_limit" {
  description = "Steady-state requests per second the HTTP API stage allows."
  type        = number
  default     = 100
}

variable "throttle_burst_limit" {
  description = "Burst of requests the HTTP API stage allows."
  type        = number
  default     = 200
}

variable "log_retention_days" {
  description = "Retention of the functions' CloudWatch log groups."
  type        = number
  default     = 14
}

variable "temporal_address" {
  description = "Temporal frontend host:port the gateway function and the worker use (Temporal Cloud: <ns>.<acct>.tmprl.cloud:7233)."
  type        = string
  default     = "127.0.0.1:7233"
}

variable "temporal_namespace" {
  description = "Temporal namespace."
  type        = string
  default     = "default"
}

variable "temporal_api_key_secret" {
  description = "Secrets Manager name of the Temporal Cloud API key (create it yourself); empty for a server without auth (local)."
  type        = string
  default     = ""
}

variable "task_queue" {
  description = "Task queue of the OrderSaga."
  type        = string
  default     = "sagaway-orders"
}

variable "worker_image" {
  description = "Container image of the worker for ECS (build worker/Dockerfile and push it); empty skips the ECS service."
  type        = string
  default     = ""
}

variable "worker_subnet_ids" {
  description = "Private subnets for the worker's ECS tasks (they need a route to Temporal and the Lambda API)."
  type        = list(string)
  default     = []
}

variable "worker_security_group_ids" {
  description = "Security groups for the worker's ECS tasks (egress only)."
  type        = list(string)
  default     = []
}

variable "site_dir" {
  description = "The built web app (npm run build in frontend/); its files are uploaded to the site bucket with a generated config.json."
  type        = string
  default     = "../frontend/dist"
}

variable "cors_extra_origins" {
  description = "Origins allowed to call the API besides the site itself (the Vite dev server, for example)."
  type        = list(string)
  default     = []
}
