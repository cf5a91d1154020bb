# The quickstart: invite two of the sandbox's seeded users to enroll a passkey
# (Beyond Identity emails them a link) and send one Transmit BindID
# registration link. Credentials and URLs come from the environment that
# scripts/quickstart sets from the sandbox it starts.
terraform {
  required_providers {
    enroll = {
      source = "passwordless/enroll"
    }
  }
}

provider "enroll" {}

# Who gets a link: email => Beyond Identity identity id (seeded in the sandbox).
variable "invitees" {
  type = map(string)
  default = {
    "alice@example.com" = "a11ce0d9e2b7c401"
    "bob@example.com"   = "b0b00d9e2b7c4022"
  }
}

resource "enroll_authenticator_config" "hosted" {
  type         = "hosted_web"
  display_name = "Quickstart passkeys"
}

resource "enroll_credential_binding_job" "invite" {
  for_each = var.invitees

  identity_id             = each.value
  authenticator_config_id = enroll_authenticator_config.hosted.id
  resend_when_expired     = true
}

resource "enroll_bindid_activation" "carol" {
  user_email = "carol@example.com"
  client_id  = "3d70edce.sandbox_client.tid_sandbox.bindid.io"

  alias {
    type = "email"
  }

  custom_message = "Register your device to sign in without a password."
}

output "job_ids" {
  description = "Credential binding job per invitee."
  value       = { for email, job in enroll_credential_binding_job.invite : email => job.id }
}

output "expire_times" {
  description = "When each invitee's link stops working."
  value       = { for email, job in enroll_credential_binding_job.invite : email => job.expire_time }
}

output "bindid_link_expires" {
  description = "When the BindID registration link stops working."
  value       = enroll_bindid_activation.carol.expire_time
}
