# Runs with no credentials and sends nothing: every enroll resource is
# mocked. Terraform still starts the provider once, for its schema and to
# validate arguments, so the provider must be installed (or dev-overridden).
mock_provider "enroll" {
  mock_resource "enroll_authenticator_config" {
    defaults = {
      id = "73731b7f-eb76-4143-9b4b-81a720385f5a"
    }
  }

  mock_resource "enroll_credential_binding_job" {
    defaults = {
      state       = "LINK_SENT"
      expire_time = "2030-01-08T09:00:00Z"
    }
  }
}

variables {
  invitees = {
    alice = "a11ce0d9e2b7c401"
    bob   = "b0b00d9e2b7c4022"
  }
}

run "plans_one_email_job_per_invitee" {
  command = plan

  assert {
    condition     = keys(enroll_credential_binding_job.invite) == ["alice", "bob"]
    error_message = "Expected one job per invitee."
  }

  assert {
    condition     = alltrue([for job in enroll_credential_binding_job.invite : job.delivery_method == "EMAIL" && job.resend_when_expired])
    error_message = "Jobs should email the link and re-send it once it expires."
  }
}

run "outputs_each_job_and_its_expiry" {
  # Replaces the defaults above for this one instance.
  override_resource {
    target = enroll_credential_binding_job.invite["alice"]
    values = {
      id          = "57d73b5909ede35a"
      state       = "LINK_SENT"
      expire_time = "2030-01-01T09:00:00Z"
    }
  }

  assert {
    condition     = output.job_ids["alice"] == "57d73b5909ede35a"
    error_message = "job_ids should map each invitee to its job."
  }

  assert {
    condition     = output.expire_times["alice"] == "2030-01-01T09:00:00Z" && output.expire_times["bob"] == "2030-01-08T09:00:00Z"
    error_message = "expire_times should map each invitee to the link's expiry."
  }

  assert {
    condition     = enroll_credential_binding_job.invite["bob"].authenticator_config_id == enroll_authenticator_config.hosted.id
    error_message = "Jobs should enroll into the module's authenticator configuration."
  }
}

run "refuses_an_unknown_delivery_method" {
  command = plan

  variables {
    delivery_method = "SMS"
  }

  expect_failures = [var.delivery_method]
}
