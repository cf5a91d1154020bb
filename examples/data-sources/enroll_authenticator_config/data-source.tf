# An authenticator configuration made elsewhere (another configuration, or
# the Admin Console), in the provider's default tenant and realm.
data "enroll_authenticator_config" "hosted" {
  id = "73731b7f-eb76-4143-9b4b-81a720385f5a"
}

# Or in another realm, with its tenant and realm spelled out.
data "enroll_authenticator_config" "staging" {
  tenant_id = "000176d94fd7b4d1"
  realm_id  = "f1e2d3c4b5a69788"
  id        = "0c5f3a8e-2b1d-4e6f-9a7c-3d8e1f2a4b6c"
}

# Send links that enroll into the existing configuration.
resource "enroll_credential_binding_job" "alice" {
  identity_id             = "a11ce0d9e2b7c401"
  authenticator_config_id = data.enroll_authenticator_config.hosted.id
}

output "hosted_authentication_methods" {
  value = data.enroll_authenticator_config.hosted.authentication_methods
}
