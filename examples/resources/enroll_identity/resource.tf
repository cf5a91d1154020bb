# A test user, created and invited in one apply: the job references the
# identity, so Terraform creates the identity first and, on destroy,
# revokes the job before deleting the identity.
resource "enroll_identity" "qa" {
  username     = "qa-bot"
  display_name = "QA Bot"
  email        = "qa-bot@example.com"
}

resource "enroll_authenticator_config" "hosted" {
  type = "hosted_web"
}

resource "enroll_credential_binding_job" "qa" {
  identity_id             = enroll_identity.qa.id
  authenticator_config_id = enroll_authenticator_config.hosted.id
}

# Suspending is an in-place change:
#   status = "suspended"
