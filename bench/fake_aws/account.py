"""The one account and Region the fake plays."""

REGION = "us-east-1"
ACCOUNT = "123456789012"
