# An identity can be imported by tenant id, realm id and identity id:
terraform import enroll_identity.qa 000176d94fd7b4d1/8b1ac7f1e5b7d6c3/a11ce0d9e2b7c401

# or by its id alone, in the provider's default tenant and realm:
terraform import enroll_identity.qa a11ce0d9e2b7c401
