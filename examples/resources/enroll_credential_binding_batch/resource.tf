resource "enroll_authenticator_config" "hosted" {
  type = "hosted_web"
}

# Everyone in the company, invited in one resource: about 14,800 ids,
# more over several (see the guide Inviting a whole organisation);
# sent through the batch API in batches of 1000. Links people already
# hold (from the admin console, or a run that was interrupted) are adopted,
# never sent twice.
data "enroll_identity" "staff" {
  for_each = toset(["alice", "bob", "carol"])
  username = each.key
}

resource "enroll_credential_binding_batch" "staff" {
  identity_ids            = sort([for i in data.enroll_identity.staff : i.id])
  authenticator_config_id = enroll_authenticator_config.hosted.id

  # A fresh link a day before the old one expires, for whoever has not
  # enrolled; and a new one when a link expired or was revoked anyway.
  resend_before_expiry = "24h"
  resend_when_expired  = true

  # Change the value to send everyone who has not enrolled a new link.
  triggers = {
    wave = "2026-12"
  }
}

output "not_enrolled_yet" {
  value = [for id, job in enroll_credential_binding_batch.staff.jobs : id if job.state != "COMPLETE"]
}

output "invitations" {
  value = {
    enrolled = enroll_credential_binding_batch.staff.enrolled_count
    pending  = enroll_credential_binding_batch.staff.pending_count
    expired  = enroll_credential_binding_batch.staff.expired_count
  }
}
