"""Builds user pools in moto through boto3, with everything a backup must carry."""

from __future__ import annotations

SAML_METADATA = """<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>"""


def rich_pool(cognito, users: int = 75, groups: int = 65, big_group_members: int = 65, name: str = "customers") -> str:
    """More than a page of users, of groups and of one group's members; unicode and custom
    attributes; disabled users; three clients (one with a secret); SAML and OIDC providers; two
    resource servers; a domain; UI customization, risk configuration, log delivery, branding."""
    pool = cognito.create_user_pool(
        PoolName=name,
        Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True, "RequireSymbols": False}},
        AutoVerifiedAttributes=["email"],
        Schema=[
            {"Name": "tenant", "AttributeDataType": "String", "Mutable": True, "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
            {"Name": "level", "AttributeDataType": "Number", "Mutable": True},
        ],
        UserPoolTags={"team": "identity"},
    )["UserPool"]["Id"]
    for i in range(users):
        cognito.admin_create_user(
            UserPoolId=pool, Username=f"user{i:03d}", MessageAction="SUPPRESS",
            UserAttributes=[
                {"Name": "email", "Value": f"user{i:03d}@example.com"},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "name", "Value": f"Zoë Ünïcødé ☃ {i}"},
                {"Name": "custom:tenant", "Value": f"tenant-{i % 3}"},
                {"Name": "custom:level", "Value": str(i)},
            ],
        )
        if i % 10 == 0:
            cognito.admin_disable_user(UserPoolId=pool, Username=f"user{i:03d}")
    for g in range(groups):
        cognito.create_group(UserPoolId=pool, GroupName=f"group-{g:02d}", Description=f"Group {g}", Precedence=g,
                             RoleArn=f"arn:aws:iam::123456789012:role/group-{g:02d}")
    for i in range(big_group_members):
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=f"user{i:03d}", GroupName="group-00")
    for i in range(min(5, users) if groups > 1 else 0):
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=f"user{i:03d}", GroupName="group-01")

    cognito.create_resource_server(UserPoolId=pool, Identifier="https://api.example.com", Name="api",
                                   Scopes=[{"ScopeName": "read", "ScopeDescription": "Read"}, {"ScopeName": "write", "ScopeDescription": "Write"}])
    cognito.create_resource_server(UserPoolId=pool, Identifier="reports", Name="reports", Scopes=[{"ScopeName": "view", "ScopeDescription": "View"}])
    cognito.create_identity_provider(UserPoolId=pool, ProviderName="Corp", ProviderType="SAML",
                                     ProviderDetails={"MetadataFile": SAML_METADATA}, AttributeMapping={"email": "email"})
    cognito.create_identity_provider(UserPoolId=pool, ProviderName="Partner", ProviderType="OIDC",
                                     ProviderDetails={"client_id": "partner", "client_secret": "s3cr3t", "authorize_scopes": "openid email",
                                                      "oidc_issuer": "https://login.partner.example.com"},
                                     AttributeMapping={"email": "email"})
    clients = [
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                                         SupportedIdentityProviders=["COGNITO", "Corp"], CallbackURLs=["https://app.example.com/cb"],
                                         AllowedOAuthFlows=["code"], AllowedOAuthScopes=["openid", "email"], AllowedOAuthFlowsUserPoolClient=True),
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="backend", GenerateSecret=True, AllowedOAuthFlows=["client_credentials"],
                                         AllowedOAuthScopes=["https://api.example.com/read"], AllowedOAuthFlowsUserPoolClient=True),
        cognito.create_user_pool_client(UserPoolId=pool, ClientName="mobile", RefreshTokenValidity=10),
    ]
    cognito.create_user_pool_domain(UserPoolId=pool, Domain=f"{name}-auth")
    web = clients[0]["UserPoolClient"]["ClientId"]
    cognito.set_ui_customization(UserPoolId=pool, CSS=".banner-customizable { background-color: #2d3e50; }")
    cognito.set_ui_customization(UserPoolId=pool, ClientId=web, CSS=".submitButton-customizable { color: red; }")
    cognito.set_risk_configuration(UserPoolId=pool, CompromisedCredentialsRiskConfiguration={"Actions": {"EventAction": "BLOCK"}})
    cognito.set_log_delivery_configuration(UserPoolId=pool, LogConfigurations=[{
        "LogLevel": "ERROR", "EventSource": "userNotification",
        "CloudWatchLogsConfiguration": {"LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/cognito/x"}}])
    cognito.create_managed_login_branding(UserPoolId=pool, ClientId=web, UseCognitoProvidedValues=True)
    return pool


def all_pages(cognito, operation: str, result_key: str, **kwargs) -> list:
    """Every item of a paginated list, through boto3's own paginator."""
    return [item for page in cognito.get_paginator(operation).paginate(**kwargs) for item in page[result_key]]
