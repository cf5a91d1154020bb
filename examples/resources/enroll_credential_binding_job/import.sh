# A job in the provider's default tenant and realm: identity_id/job_id
terraform import 'enroll_credential_binding_job.new_hires["alice@example.com"]' a11ce0d9e2b7c401/57d73b5909ede35a

# Or with its tenant and realm spelled out: tenant_id/realm_id/identity_id/job_id
terraform import 'enroll_credential_binding_job.new_hires["alice@example.com"]' 000176d94fd7b4d1/8b1ac7f1e5b7d6c3/a11ce0d9e2b7c401/57d73b5909ede35a
