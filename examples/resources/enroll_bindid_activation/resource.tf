# Send a BindID registration link by email.
resource "enroll_bindid_activation" "carol" {
  user_email = "carol@example.com"
  client_id  = "3d70edce.sandbox_client.tid_sandbox.bindid.io"

  verifications = ["ts.bindid.iac.email"]
  scopes        = ["email"]

  alias {
    type = "email"
  }

  custom_message = "Nearly done: register this device to sign in without a password."

  completion_message {
    text = "Welcome to Acme"
    link {
      redirect_uri = "https://www.acme.example"
      label        = "Go to the portal"
    }
  }

  # The application's link lifetime (set in the BindID Admin Portal); used
  # to compute expire_time. With resend_when_expired, an expired link is
  # replaced by a new one at the next apply.
  link_validity       = "30m"
  resend_when_expired = true
}
