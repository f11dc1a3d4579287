// A CDK app of the platform's shape, for timing `cdk synth` beside `python -m tools preview` (bench/preview.py
// --cdk). Not deployed, not part of the platform: the same kinds of resources the prod stack registers
// (a three-zone VPC with NAT gateways and endpoints, KMS keys, RDS with a read replica, ElastiCache, S3
// buckets with lifecycle rules, secrets, IAM roles, SNS and CloudWatch alarms), env-agnostic (no lookups).
const cdk = require("aws-cdk-lib");
const { aws_ec2: ec2, aws_kms: kms, aws_rds: rds, aws_elasticache: elasticache, aws_s3: s3 } = cdk;
const { aws_iam: iam, aws_sns: sns, aws_cloudwatch: cloudwatch, aws_secretsmanager: secrets, aws_logs: logs } = cdk;

const app = new cdk.App();
const stack = new cdk.Stack(app, "prod");

const keys = Object.fromEntries(
  ["data", "logs", "secrets", "cluster"].map((n) => [n, new kms.Key(stack, `${n}-key`, { enableKeyRotation: true })]),
);
const vpc = new ec2.Vpc(stack, "network", {
  maxAzs: 3,
  natGateways: 3,
  subnetConfiguration: [
    { name: "public", subnetType: ec2.SubnetType.PUBLIC },
    { name: "app", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
  ],
  flowLogs: { all: { destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(stack, "flow", { encryptionKey: keys.logs })) } },
});
vpc.addGatewayEndpoint("s3", { service: ec2.GatewayVpcEndpointAwsService.S3 });
for (const service of ["ECR", "ECR_DOCKER", "STS", "SECRETS_MANAGER", "KMS", "CLOUDWATCH_LOGS"]) {
  vpc.addInterfaceEndpoint(service, { service: ec2.InterfaceVpcEndpointAwsService[service] });
}
const data = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
const postgres = new rds.DatabaseInstance(stack, "postgres", {
  engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
  instanceType: ec2.InstanceType.of(ec2.InstanceClass.R6G, ec2.InstanceSize.LARGE),
  vpc, vpcSubnets: data, multiAz: true, storageEncryptionKey: keys.data, iamAuthentication: true,
  backupRetention: cdk.Duration.days(14), deletionProtection: true, removalPolicy: cdk.RemovalPolicy.RETAIN,
});
new rds.DatabaseInstanceReadReplica(stack, "postgres-replica", {
  sourceDatabaseInstance: postgres, instanceType: ec2.InstanceType.of(ec2.InstanceClass.R6G, ec2.InstanceSize.LARGE),
  vpc, vpcSubnets: data, storageEncryptionKey: keys.data,
});
const cacheGroup = new ec2.SecurityGroup(stack, "redis-sg", { vpc });
const cacheSubnets = new elasticache.CfnSubnetGroup(stack, "redis-subnets", {
  description: "redis", subnetIds: vpc.isolatedSubnets.map((s) => s.subnetId),
});
new elasticache.CfnReplicationGroup(stack, "redis", {
  replicationGroupDescription: "redis", engine: "redis", cacheNodeType: "cache.r7g.large", numCacheClusters: 2,
  automaticFailoverEnabled: true, multiAzEnabled: true, atRestEncryptionEnabled: true, transitEncryptionEnabled: true,
  kmsKeyId: keys.data.keyId, cacheSubnetGroupName: cacheSubnets.ref, securityGroupIds: [cacheGroup.securityGroupId],
});
for (const name of ["uploads", "exports", "static", "archive", "logs"]) {
  new s3.Bucket(stack, `bucket-${name}`, {
    encryption: s3.BucketEncryption.KMS, encryptionKey: keys.data, versioned: true, enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, removalPolicy: cdk.RemovalPolicy.RETAIN,
    lifecycleRules: [{ noncurrentVersionExpiration: cdk.Duration.days(30), abortIncompleteMultipartUploadAfter: cdk.Duration.days(7) }],
  });
}
const alerts = new sns.Topic(stack, "alerts", { masterKey: keys.logs });
for (const service of ["gateway", "worker", "realtime", "web", "mcp"]) {
  new secrets.Secret(stack, `${service}-secret`, { encryptionKey: keys.secrets });
  const role = new iam.Role(stack, `${service}-role`, { assumedBy: new iam.ServicePrincipal("pods.eks.amazonaws.com") });
  postgres.grantConnect(role, service);
  for (const [metric, threshold] of [["CPUUtilization", 80], ["FreeableMemory", 256e6], ["DatabaseConnections", 400]]) {
    new cloudwatch.Alarm(stack, `${service}-${metric}`, {
      metric: new cloudwatch.Metric({ namespace: "AWS/RDS", metricName: metric }), threshold, evaluationPeriods: 3,
    }).addAlarmAction({ bind: () => ({ alarmActionArn: alerts.topicArn }) });
  }
}
app.synth();
