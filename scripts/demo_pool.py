"""Creates the demo's sample user pool, bucket and metadata table on the local moto server and
prints the pool id."""

import sys
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests"))

import boto3  # noqa: E402

from support.pools import rich_pool  # noqa: E402

url, bucket, table = sys.argv[1:4]
session = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="demo", aws_secret_access_key="demo")
pool = rich_pool(boto3.client("cognito-idp", **session), users=120, groups=8, big_group_members=70, name="demo")
boto3.client("s3", **session).create_bucket(Bucket=bucket)
boto3.client("dynamodb", **session).create_table(
    TableName=table,
    KeySchema=[{"AttributeName": "user_pool_id", "KeyType": "HASH"}, {"AttributeName": "backup_date", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "user_pool_id", "AttributeType": "S"}, {"AttributeName": "backup_date", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
print(pool)
