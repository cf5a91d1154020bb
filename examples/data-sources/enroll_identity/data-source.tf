# Look an identity up by exactly one of id, username or email address
# (its primary email address). Zero or several matches is an error.
data "enroll_identity" "by_id" {
  id = "a11ce0d9e2b7c401"
}

data "enroll_identity" "by_username" {
  username = "bob"
}

data "enroll_identity" "by_email" {
  email = "carol@example.com"
}

# In another realm than the provider's default.
data "enroll_identity" "staging" {
  realm_id = "f1e2d3c4b5a69788"
  username = "alice"
}

resource "enroll_authenticator_config" "hosted" {
  type = "hosted_web"
}

# Invite the users found above, unless they have already enrolled.
resource "enroll_credential_binding_job" "invite" {
  for_each = {
    for user in [data.enroll_identity.by_username, data.enroll_identity.by_email] :
    user.username => user.id if user.enrollment_status != "ENROLLED"
  }

  identity_id             = each.value
  authenticator_config_id = enroll_authenticator_config.hosted.id
}
