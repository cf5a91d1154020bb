# The quickstart: an authenticator configuration in the sandbox's realm.
# Credentials and URLs come from the environment scripts/quickstart sets.
terraform {
  required_providers {
    enroll = {
      source = "passwordless/enroll"
    }
  }
}

provider "enroll" {}

resource "enroll_authenticator_config" "hosted" {
  type         = "hosted_web"
  display_name = "Quickstart passkeys"
}

output "authenticator_config_id" {
  value = enroll_authenticator_config.hosted.id
}
