# Who was invited to the hosted configuration but has not enrolled yet:
# identities with a link still waiting on them, less those who already
# enrolled (with an earlier link, say).
data "enroll_credential_binding_jobs" "waiting" {
  authenticator_config_id = "73731b7f-eb76-4143-9b4b-81a720385f5a"
  states                  = ["LINK_SENT", "LINK_OPENED", "REQUEST_DELIVERED"]
}

data "enroll_credential_binding_jobs" "enrolled" {
  authenticator_config_id = "73731b7f-eb76-4143-9b4b-81a720385f5a"
  states                  = ["COMPLETE"]
}

output "not_enrolled_yet" {
  value = sort(setsubtract(
    data.enroll_credential_binding_jobs.waiting.jobs[*].identity_id,
    data.enroll_credential_binding_jobs.enrolled.jobs[*].identity_id,
  ))
}

# Every job of one identity, in any state, oldest first: when each of its
# links stops working.
data "enroll_credential_binding_jobs" "alice" {
  identity_id = "a11ce0d9e2b7c401"
}

output "alice_link_expiry" {
  value = { for job in data.enroll_credential_binding_jobs.alice.jobs : job.id => job.expire_time }
}
