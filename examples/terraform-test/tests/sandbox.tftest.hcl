# Applies the module against a real API: the provider reads its credentials
# from the environment (BEYOND_IDENTITY_*), as `enroll-sandbox --env-file`
# writes them. The identity ids are the sandbox's seeded alice and bob; for a
# test tenant of your own, put its identities here. RETURN delivery emails
# nobody. Terraform destroys everything at the end, which revokes the links
# that are still open.
variables {
  invitees = {
    alice = "a11ce0d9e2b7c401"
    bob   = "b0b00d9e2b7c4022"
  }
  delivery_method = "RETURN"
}

run "sends_one_link_per_invitee" {
  assert {
    condition     = alltrue([for state in values(output.states) : state == "LINK_SENT"])
    error_message = "Every job should have sent its link."
  }

  assert {
    condition     = alltrue([for t in values(output.expire_times) : timecmp(t, plantimestamp()) > 0])
    error_message = "Every link should expire in the future."
  }

  assert {
    condition     = alltrue([for job in enroll_credential_binding_job.invite : startswith(job.credential_binding_link, "http")])
    error_message = "RETURN jobs should return their link."
  }

  assert {
    condition     = length(distinct(values(output.job_ids))) == 2
    error_message = "Each invitee should have a job of their own."
  }
}

run "refreshing_sends_nothing_new" {
  command = plan

  assert {
    condition     = output.job_ids == run.sends_one_link_per_invitee.job_ids
    error_message = "A plan right after apply should keep every job."
  }
}

run "changing_triggers_sends_new_links" {
  variables {
    triggers = {
      round = "2"
    }
  }

  assert {
    condition     = alltrue([for user, id in output.job_ids : id != run.sends_one_link_per_invitee.job_ids[user]])
    error_message = "A new triggers value should replace every job."
  }

  assert {
    condition     = alltrue([for state in values(output.states) : state == "LINK_SENT"])
    error_message = "The new jobs should have sent their links."
  }
}
