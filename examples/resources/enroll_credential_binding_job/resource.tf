resource "enroll_authenticator_config" "hosted" {
  type = "hosted_web"
}

# Email a passkey enrollment link to each new hire; re-send automatically
# when a link expires before it was used.
resource "enroll_credential_binding_job" "new_hires" {
  for_each = {
    "alice@example.com" = "a11ce0d9e2b7c401"
    "bob@example.com"   = "b0b00d9e2b7c4022"
  }

  identity_id             = each.value
  authenticator_config_id = enroll_authenticator_config.hosted.id
  resend_when_expired     = true

  # Change the value to send everyone a new link.
  triggers = {
    round = "2026-11"
  }
}

# Return the link instead of emailing it, e.g. for an automated test that
# opens it in a browser.
resource "enroll_credential_binding_job" "test_user" {
  identity_id               = "ca7010d9e2b7c403"
  authenticator_config_id   = enroll_authenticator_config.hosted.id
  delivery_method           = "RETURN"
  post_binding_redirect_uri = "https://app.example.com/welcome"
}

output "test_user_link" {
  value     = enroll_credential_binding_job.test_user.credential_binding_link
  sensitive = true
}
