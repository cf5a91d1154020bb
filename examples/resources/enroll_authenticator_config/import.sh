# An authenticator configuration in the provider's default tenant and realm:
terraform import enroll_authenticator_config.hosted 73731b7f-eb76-4143-9b4b-81a720385f5a

# Or with its tenant and realm spelled out:
terraform import enroll_authenticator_config.hosted 000176d94fd7b4d1/8b1ac7f1e5b7d6c3/73731b7f-eb76-4143-9b4b-81a720385f5a
