// The official provider's own configuration messages (pulumi-aws provider/errors/*.txt).

export const NO_REGION = "Missing region information\nMake sure you have set your AWS region, e.g. `pulumi config set aws:region us-west-2`.";

export const NO_CREDENTIALS =
  "No valid credential sources found.\n" +
  "Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information about providing credentials.\n" +
  "NEW: You can use Pulumi ESC to set up dynamic credentials with AWS OIDC to ensure the correct and valid credentials are used.\n" +
  "Learn more: https://www.pulumi.com/registry/packages/aws/installation-configuration/#dynamically-generate-credentials";

export const INVALID_CREDENTIALS =
  "The configured AWS credentials are invalid or have expired.\n" +
  "Please see https://www.pulumi.com/registry/packages/aws/installation-configuration/ for more information about providing credentials.\n" +
  "NEW: You can use Pulumi ESC to set up dynamic credentials with AWS OIDC to ensure the correct and valid credentials are used.\n" +
  "Learn more: https://www.pulumi.com/registry/packages/aws/installation-configuration/#dynamically-generate-credentials-via-pulumi-esc";

/** aws-sdk-go-base's warning when the account id cannot be looked up (with validation skipped). */
export const ACCOUNT_ID_NOT_FOUND =
  "AWS account ID not found for provider\n\nSee https://registry.terraform.io/providers/hashicorp/aws/latest/docs#skip_requesting_account_id for implications.";
