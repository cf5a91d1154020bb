# Credentials usually come from the environment (BEYOND_IDENTITY_*, BINDID_*),
# so the block can stay empty; anything set here wins over the environment.
provider "enroll" {
  beyond_identity {
    region    = "us"
    tenant_id = "000176d94fd7b4d1"
    realm_id  = "8b1ac7f1e5b7d6c3"
    # api_token = var.beyond_identity_api_token   # or application_id, client_id, client_secret
  }

  bindid {
    environment    = "sandbox"
    credentials_id = "5a1db0c4.management_api_app.tid_sandbox.bindid.io"
    # credentials_secret = var.bindid_credentials_secret
  }

  request_timeout         = "30s"
  max_retries             = 4
  max_requests_per_second = 20 # this configuration's share of the vendors' rate limits
}
