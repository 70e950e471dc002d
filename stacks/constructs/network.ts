import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log/index.js';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { logsWrite } from '../lib/grants.ts';
import { ServiceRole } from '../lib/iam.ts';
import type { Naming } from '../lib/naming.ts';

export interface NetworkProps {
  readonly naming: Naming;
  readonly cidr: string;
  readonly natGateways: 1 | 2;
  /** Zone letters, e.g. ['a', 'b']: pinned, so a new AZ in the region never moves a subnet. */
  readonly availabilityZones: readonly string[];
  readonly kmsKeyArn: string;
  readonly logRetentionDays: number;
}

/**
 * Two private subnets in two AZs (what MWAA requires) with egress through NAT (PyPI for requirements, AWS APIs),
 * an S3 gateway endpoint so DAG and data traffic skips the NAT, a locked default security group and flow logs.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly privateSubnets: Subnet[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { naming } = props;
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: naming.name('vpc') },
    });
    // No rules: nothing may use the default group by accident.
    new DefaultSecurityGroup(this, 'default-sg', { vpcId: this.vpc.id, ingress: [], egress: [] });
    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: naming.name('igw') } });
    const publicRoutes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: igw.id }],
      tags: { Name: naming.name('public') },
    });
    const publicSubnets: Subnet[] = [];
    this.privateSubnets = [];
    const nats: NatGateway[] = [];
    for (const i of [0, 1]) {
      const az = `${naming.region}${props.availabilityZones[i]}`;
      const pub = new Subnet(this, `public-${i}`, {
        vpcId: this.vpc.id,
        cidrBlock: Fn.cidrsubnet(props.cidr, 8, i),
        availabilityZone: az,
        mapPublicIpOnLaunch: false,
        tags: { Name: naming.name(`public-${i}`) },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: pub.id, routeTableId: publicRoutes.id });
      publicSubnets.push(pub);
      this.privateSubnets.push(
        new Subnet(this, `private-${i}`, {
          vpcId: this.vpc.id,
          cidrBlock: Fn.cidrsubnet(props.cidr, 8, 10 + i),
          availabilityZone: az,
          tags: { Name: naming.name(`private-${i}`) },
        }),
      );
      if (i < props.natGateways) {
        const eip = new Eip(this, `nat-ip-${i}`, { domain: 'vpc', tags: { Name: naming.name(`nat-${i}`) } });
        nats.push(
          new NatGateway(this, `nat-${i}`, {
            allocationId: eip.id,
            subnetId: pub.id,
            tags: { Name: naming.name(`nat-${i}`) },
            dependsOn: [igw],
          }),
        );
      }
    }
    const privateTables = this.privateSubnets.map((subnet, i) => {
      const nat = nats[Math.min(i, nats.length - 1)] as NatGateway;
      const table = new RouteTable(this, `private-${i}-routes`, {
        vpcId: this.vpc.id,
        route: [{ cidrBlock: '0.0.0.0/0', natGatewayId: nat.id }],
        tags: { Name: naming.name(`private-${i}`) },
      });
      new RouteTableAssociation(this, `private-${i}-association`, { subnetId: subnet.id, routeTableId: table.id });
      return table;
    });
    new VpcEndpoint(this, 's3-endpoint', {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${naming.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateTables.map((t) => t.id),
      tags: { Name: naming.name('s3') },
    });
    const flowLogs = new CloudwatchLogGroup(this, 'flow-logs', {
      name: `/aws/vpc/${naming.name('flow-logs')}`,
      retentionInDays: props.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
    });
    const flowRole = new ServiceRole(this, 'flow-role', {
      name: naming.name('flow-logs'),
      service: 'vpc-flow-logs.amazonaws.com',
      sourceAccount: naming.account,
      statements: [
        {
          ...logsWrite('Deliver', flowLogs.arn),
          actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        },
      ],
    });
    new FlowLog(this, 'flow-log', {
      vpcId: this.vpc.id,
      trafficType: 'REJECT',
      logDestination: flowLogs.arn,
      iamRoleArn: flowRole.arn,
    });
  }
}
