# The hosted web authenticator with every authentication method.
resource "enroll_authenticator_config" "hosted" {
  type         = "hosted_web"
  display_name = "Passkey enrollment"
}

# An app that embeds the Beyond Identity SDK.
resource "enroll_authenticator_config" "app" {
  type            = "embedded"
  display_name    = "Acme app"
  invoke_url      = "https://app.acme.example/passkeys"
  trusted_origins = ["https://app.acme.example"]
}
