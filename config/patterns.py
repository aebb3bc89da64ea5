"""Field formats, each with the words a person reads when a value does not fit.

pydantic reports a pattern mismatch with the raw regular expression; berth's messages say
what is allowed in words instead (config/errors.py looks the words up here). Every pattern a
model uses is made with `described`, and a test keeps it so.
"""

from __future__ import annotations

PATTERN_WORDS: dict[str, str] = {}


def described(regex: str, words: str) -> str:
    """`regex`, registered with the words that explain it."""
    PATTERN_WORDS[regex] = words
    return regex


NAME = described(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$", "2 to 32 lower-case letters, digits and hyphens, starting with a letter")
PROVIDER = described(
    r"^(FARGATE|FARGATE_SPOT|EC2|[a-z][a-z0-9-]{0,30}[a-z0-9])$",
    "FARGATE, FARGATE_SPOT, EC2 (the cluster's ec2_capacity), or the name of one of ecs.cluster.ec2_capacity_groups",
)
K8S_NAME = described(
    r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$",
    "a Kubernetes name: up to 63 lower-case letters, digits and hyphens, not starting or ending with a hyphen",
)
ROLE_ARN = described(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$", "an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>")
ADDON_VERSION = described(
    r"^v\d+\.\d+\.\d+-eksbuild\.\d+$", "an EKS add-on version such as v1.20.4-eksbuild.2 (aws eks describe-addon-versions)"
)
RELEASE_VERSION = described(r"^[\w.-]+$", "an AMI release version such as 1.34.2-20251120 (letters, digits, dots, hyphens and underscores)")
CLUSTER_NAME = described(r"^[a-zA-Z][a-zA-Z0-9-]{0,99}$", "1 to 100 letters, digits and hyphens, starting with a letter")
EMAIL = described(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "an e-mail address such as oncall@example.com")
IDENTITY_CENTER_INSTANCE = described(
    r"^arn:aws[a-z-]*:sso:::instance/(sso)?ins-[a-zA-Z0-9-.]{16}$",
    "an IAM Identity Center instance ARN: arn:aws:sso:::instance/ssoins-<16 characters> (aws sso-admin list-instances)",
)
IDENTITY_CENTER_ID = described(
    r"^([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}$",
    "an IAM Identity Center user or group id (aws identitystore list-groups), such as 12345678-1234-1234-1234-123456789012",
)
GITHUB_REPOSITORY = described(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9_.-]{1,100}$", "a GitHub repository as owner/name, such as example-org/berth"
)
GITHUB_ENVIRONMENT = described(r"^[A-Za-z0-9_.-]{1,255}$", "a GitHub environment name: letters, digits, '_', '.' and '-'")
VPC_ID = described(r"^vpc-[0-9a-f]{8,17}$", "a VPC id: vpc- and 8 to 17 hexadecimal digits")
SUBNET_ID = described(r"^subnet-[0-9a-f]{8,17}$", "a subnet id: subnet- and 8 to 17 hexadecimal digits")
AMI_ID = described(r"^ami-[0-9a-f]{8,17}$", "an AMI id: ami- and 8 to 17 hexadecimal digits")
IMAGE_REPOSITORY = described(
    r"^[a-z0-9][a-z0-9.\-]*(:\d+)?(/[a-z0-9._\-]+)+$|^[a-z0-9._\-]+(/[a-z0-9._\-]+)*$",
    "an image repository without tag or digest, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app (put the tag in `tag:`)",
)
IMAGE_TAG = described(
    r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$", "an image tag: up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'"
)
IMAGE_DIGEST = described(r"^sha256:[0-9a-f]{64}$", "an image digest: sha256: and 64 hexadecimal digits")
SECRET_ARN = described(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$",
    "the complete ARN of a Secrets Manager secret, ending with the six characters AWS adds to its name (...:secret:name-AbCdEf)",
)
SSM_PARAMETER = described(r"^/[A-Za-z0-9_.\-/]+$", "an SSM parameter name starting with / (letters, digits, '_', '.', '-' and '/')")
USER = described(r"^[A-Za-z0-9_\-]+(:[A-Za-z0-9_\-]+)?$", "a user, or user:group, by name or number (such as 1000:1000)")
CRON = described(r"^cron\(([^ ]+ ){5}[^ ]+\)$", "a cron expression with six fields: cron(minute hour day-of-month month day-of-week year)")
SCHEDULE = described(
    r"^(cron\(([^ ]+ ){5}[^ ]+\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$",
    "cron(minute hour day-of-month month day-of-week year) or rate(<number> minutes|hours|days)",
)
CERTIFICATE_ARN = described(
    r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$",
    "an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<id>",
)
CONTAINER_PATH = described(
    r"^/[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$",
    "an absolute path inside the container such as /tmp (letters, digits, '_', '.', '-', '/'; not / itself)",
)
URL_PATH = described(r"^/\S*$", "a URL path starting with / and without spaces")
ACCOUNT = described(r"^\d{12}$", 'a 12-digit AWS account id, quoted so YAML keeps its leading zeros ("012345678901")')
REGION = described(r"^[a-z]{2}(-[a-z]+)+-\d$", "an AWS region name such as eu-west-1")
POLICY_ARN = described(
    r"^arn:aws[a-z-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]+$", "a managed policy ARN: arn:aws:iam::<12-digit account>:policy/<name>"
)
HOSTED_ZONE_ID = described(r"^[A-Z0-9]{2,32}$", "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ (upper-case letters and digits)")
DNS_NAME = described(
    r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$",
    "a lower-case DNS name such as example.com, without a trailing dot",
)
HOST_NAME = described(
    r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$",
    "a lower-case host name such as app.example.com, or a wildcard such as *.example.com (only as the first label)",
)
PATH_PATTERN = described(
    r"^/[A-Za-z0-9_\-.$/~\"'@:+&()!,;=*?]{0,127}$",
    "an ALB path pattern such as /api/* (up to 128 characters, starting with /; * and ? are wildcards)",
)
FIREHOSE_ARN = described(
    r"^arn:aws[a-z-]*:firehose:[a-z0-9-]+:\d{12}:deliverystream/[A-Za-z0-9_.-]{1,64}$",
    "a Firehose stream ARN: arn:aws:firehose:<region>:<account>:deliverystream/<name>",
)
SQS_ARN = described(
    r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?$", "an SQS queue ARN: arn:aws:sqs:<region>:<account>:<name>"
)
KMS_KEY_ARN = described(
    r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+$", "a KMS key ARN: arn:aws:kms:<region>:<account>:key/<key id> (not an alias)"
)
EFS_ID = described(r"^fs-[0-9a-f]{8,40}$", "an EFS file system id such as fs-0123456789abcdef0")
EFS_ACCESS_POINT_ID = described(r"^fsap-[0-9a-f]{8,40}$", "an EFS access point id such as fsap-0123456789abcdef0")
SECURITY_GROUP_ID = described(r"^sg-[0-9a-f]{8,17}$", "a security group id such as sg-0123456789abcdef0")
RELATIVE_DIRECTORY = described(
    r"^[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]*$", "a directory relative to the repository root, such as images/api (not starting with /)"
)
FILE_NAME = described(r"^[A-Za-z0-9_.\-]+$", "a file name such as Dockerfile (letters, digits, '_', '.', '-')")
