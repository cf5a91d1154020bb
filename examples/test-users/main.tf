# Test users for CI: creates each identity, one hosted web authenticator
# configuration, and a credential binding job per user whose enrollment link
# is returned (RETURN), not emailed, so a test can open it.
terraform {
  required_version = ">= 1.5"

  required_providers {
    enroll = {
      source = "passwordless/enroll"
    }
  }
}

variable "users" {
  description = "Test users: username => display_name and an optional email address (RETURN delivery needs none)."
  type = map(object({
    display_name = string
    email        = optional(string)
  }))
}

variable "realm_id" {
  description = "Realm to create the users in; null uses the provider's realm_id."
  type        = string
  default     = null
}

variable "authenticator_display_name" {
  description = "Display name of the hosted web authenticator configuration the links enroll into."
  type        = string
  default     = "CI test users"
}

variable "post_binding_redirect_uri" {
  description = "Where a user lands after enrolling; null for Beyond Identity's default page."
  type        = string
  default     = null
}

variable "resend_when_expired" {
  description = "Plan a new link for every user whose link expired unused."
  type        = bool
  default     = true
}

variable "triggers" {
  description = "Change any value to give every user a new link (the old ones are revoked)."
  type        = map(string)
  default     = {}
}

resource "enroll_identity" "user" {
  for_each = var.users

  realm_id     = var.realm_id
  username     = each.key
  display_name = each.value.display_name
  email        = each.value.email
}

resource "enroll_authenticator_config" "hosted" {
  realm_id     = var.realm_id
  type         = "hosted_web"
  display_name = var.authenticator_display_name
}

resource "enroll_credential_binding_job" "link" {
  for_each = enroll_identity.user

  realm_id                  = var.realm_id
  identity_id               = each.value.id
  authenticator_config_id   = enroll_authenticator_config.hosted.id
  delivery_method           = "RETURN"
  post_binding_redirect_uri = var.post_binding_redirect_uri
  resend_when_expired       = var.resend_when_expired
  triggers                  = var.triggers
}

output "identity_ids" {
  description = "Beyond Identity identity id per username."
  value       = { for username, identity in enroll_identity.user : username => identity.id }
}

output "expire_times" {
  description = "When each user's enrollment link stops working (RFC 3339)."
  value       = { for username, job in enroll_credential_binding_job.link : username => job.expire_time }
}

output "enrollment_links" {
  description = "The enrollment link per username. Read it with `terraform output -json enrollment_links`; never log it."
  value       = { for username, job in enroll_credential_binding_job.link : username => job.credential_binding_link }
  sensitive   = true
}
