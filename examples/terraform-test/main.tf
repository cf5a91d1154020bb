# A small module under test: invite existing Beyond Identity identities to
# enroll a passkey. tests/mock.tftest.hcl checks it without any API;
# tests/sandbox.tftest.hcl applies it for real (the bundled sandbox, or a
# test tenant) and checks what the API returned.
terraform {
  # mock_provider in tests/mock.tftest.hcl needs Terraform 1.7.
  required_version = ">= 1.7"

  required_providers {
    enroll = {
      source = "passwordless/enroll"
    }
  }
}

variable "invitees" {
  description = "Who gets a link: username => Beyond Identity identity id."
  type        = map(string)
}

variable "delivery_method" {
  description = "EMAIL sends the link to the identity's address; RETURN only returns it."
  type        = string
  default     = "EMAIL"

  validation {
    condition     = contains(["EMAIL", "RETURN"], var.delivery_method)
    error_message = "delivery_method must be EMAIL or RETURN."
  }
}

variable "triggers" {
  description = "Change any value to send every invitee a new link."
  type        = map(string)
  default     = {}
}

resource "enroll_authenticator_config" "hosted" {
  type         = "hosted_web"
  display_name = "Passkey enrollment"
}

resource "enroll_credential_binding_job" "invite" {
  for_each = var.invitees

  identity_id             = each.value
  authenticator_config_id = enroll_authenticator_config.hosted.id
  delivery_method         = var.delivery_method
  resend_when_expired     = true
  triggers                = var.triggers
}

output "job_ids" {
  description = "Credential binding job per invitee."
  value       = { for user, job in enroll_credential_binding_job.invite : user => job.id }
}

output "states" {
  description = "Each job's state as last read, e.g. LINK_SENT or COMPLETE."
  value       = { for user, job in enroll_credential_binding_job.invite : user => job.state }
}

output "expire_times" {
  description = "When each invitee's link stops working (RFC 3339)."
  value       = { for user, job in enroll_credential_binding_job.invite : user => job.expire_time }
}
