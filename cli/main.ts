#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { runIngestCommand } from './commands/ingest-command.js';
import { runServe } from './commands/serve-command.js';
import { runBaseline } from './commands/baseline-command.js';
import { runPcapCommand } from './commands/pcap-command.js';
import { runImportCapture } from './commands/import-capture-command.js';
import { runDeploy } from './commands/deploy-command.js';
import { runCollectCommand } from './commands/collect-command.js';
import { runCaptureCommand } from './commands/capture-command.js';
import { runOperatorCommand } from './commands/operator-command.js';
import { runAgentCommand } from './commands/agent-command.js';
import { defaultSopsDir } from './paths.js';
import { loadConfig } from './config.js';
import { withDeployEnv } from './deploy-env.js';
import { type OidcFlags, parseOidcFlags } from './oidc-flags.js';

// The composition root of the CLI: config once, one logger (to stderr: stdout carries results).
const config = loadConfig();
const log = pino({ level: config.logLevel ?? 'warn', base: undefined }, pino.destination(2));

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
};

const collectValues = (v: string, prev: string[] = []) => [...prev, v];

const program = new Command()
  .name('eks-node-log-mcp')
  .description('OS-level truth of EKS worker nodes: collect, index and serve node log bundles')
  .showHelpAfterError();

program
  .command('analyze')
  .description('Index a bundle (eks-log-collector.sh .tar.gz, our archive, or a directory) and print its findings')
  .argument('<bundle>', 'archive or directory')
  .option('--json', 'print one JSON document to stdout')
  .option('--store <dir>', 'keep the bundle in this filesystem store (default: a temporary one)')
  .option('--node <name>', 'node name to file the bundle under')
  .option('--limit <n>', 'rows in the table', positiveInt, 40)
  .action(async (bundle: string, o: { json?: boolean; store?: string; node?: string; limit: number }) => {
    process.exitCode = await runIngestCommand(bundle, { ...o, keep: false }, log);
  });

program
  .command('import')
  .description('Ingest a bundle into the store so the MCP tools can serve it')
  .argument('<bundle>', 'archive or directory')
  .option('--store <dir>', 'filesystem store', config.storeDir)
  .option('--node <name>', 'node name to file the bundle under')
  .option('--json', 'print the analysis as JSON')
  .option('--limit <n>', 'rows in the table', positiveInt, 20)
  .action(async (bundle: string, o: { json?: boolean; store: string; node?: string; limit: number }) => {
    process.exitCode = await runIngestCommand(bundle, { ...o, keep: true }, log);
  });

program
  .command('serve')
  .description('Serve the MCP tools over the filesystem store: HTTP on 127.0.0.1:8080/mcp, or --stdio')
  .option('--store <dir|s3://bucket/prefix>', 'bundle store (s3:// with --in-cluster; region from AWS_REGION)', config.storeDir)
  .option('--stdio', 'speak MCP on stdin/stdout instead of HTTP')
  .option('--host <host>', 'listen address (loopback only, unless --in-cluster)', '127.0.0.1')
  .option('--port <port>', 'listen port', positiveInt, 8080)
  .option('--sops <dir>', 'runbooks directory', defaultSopsDir())
  .option('--sessions', 'HTTP session mode (Mcp-Session-Id, GET stream, subscriptions, sampling/elicitation); local use, not with --in-cluster')
  // test only, hidden: adds the MCP conformance suite's fixture tools/resources/prompts (mcp-server/conformance-fixtures.ts)
  .addOption(new Option('--conformance-fixtures', 'also serve the MCP conformance suite fixtures (testing only)').hideHelp())
  // cluster mode (mcp-server/auth, mcp-server/ingest): --store may then also be s3://bucket/prefix
  .option('--in-cluster', 'require Kubernetes bearer tokens on /mcp (TokenReview, SubjectAccessReview) and serve the ingest endpoint')
  .option('--kubeconfig <path>', "with --in-cluster: API credentials from this kubeconfig instead of the pod's service account")
  .option('--ingest-port <n>', 'with --in-cluster: port of the collectors\' upload endpoint', positiveInt, 8090)
  .option('--namespace <ns>', 'with --in-cluster: namespace of the NodeLogCollections and PacketCaptures (default POD_NAMESPACE)', config.podNamespace)
  .option('--collector-sa <ns:name>', 'with --in-cluster: service account allowed to upload (repeatable)', collectValues)
  .option('--audience <aud>', 'with --in-cluster: audience MCP bearer tokens must carry (repeatable; default the API server\'s)', collectValues)
  // optional OIDC on /mcp for an external gateway (mcp-server/auth/oidc-token.ts, cli/oidc-flags.ts)
  .option('--oidc-issuer <url>', 'with --in-cluster: also accept JWTs of this OIDC issuer on /mcp (e.g. https://cognito-idp.<region>.amazonaws.com/<poolId>)')
  .option('--oidc-audience <aud>', 'with --oidc-issuer: accepted aud (repeatable)', collectValues)
  .option('--oidc-client-id <id>', 'with --oidc-issuer: accepted client_id, as in Cognito access tokens (repeatable)', collectValues)
  .option('--oidc-jwks-url <url>', "with --oidc-issuer: key set URL (default: the issuer's discovery document)")
  .option('--oidc-algorithm <alg>', 'with --oidc-issuer: allowed signature algorithm (repeatable; default RS256)', collectValues)
  .option('--oidc-username-claim <claim>', 'with --oidc-issuer: claim naming the user, mapped to oidc:<value> (default sub)')
  .option('--oidc-groups-claim <claim>', 'with --oidc-issuer: claim with group names, mapped to oidc:<group>')
  .option('--oidc-group <group>', 'with --oidc-issuer: group of every OIDC caller for RBAC, e.g. eks-node-log-mcp:gateway (repeatable)', collectValues)
  .option('--kms-key-id <id>', 'with an s3:// store: KMS key for server-side encryption')
  .option('--max-bundle-bytes <n>', 'with --in-cluster: largest bundle upload accepted (default 4 GiB)', positiveInt)
  .option('--ssm-ping', "with --in-cluster: cluster_health shows each node's SSM agent ping status (DescribeInstanceInformation in the node's region)")
  // test only, hidden: SSM endpoint for --ssm-ping (moto behind the SSM front)
  .addOption(new Option('--aws-endpoint <url>', 'AWS endpoint override (testing only)').hideHelp())
  .action(async (o: {
    store: string; stdio?: boolean; host: string; port: number; sops: string; conformanceFixtures?: boolean; sessions?: boolean;
    inCluster?: boolean; kubeconfig?: string; ingestPort: number; namespace?: string; collectorSa?: string[]; audience?: string[]; kmsKeyId?: string; maxBundleBytes?: number;
    ssmPing?: boolean; awsEndpoint?: string;
  } & OidcFlags) => {
    if (!o.inCluster && (o.kubeconfig || o.collectorSa || o.audience || o.ssmPing || o.oidcIssuer || o.store.startsWith('s3://'))) throw new InvalidArgumentError('--kubeconfig, --collector-sa, --audience, --ssm-ping, --oidc-issuer and an s3:// store need --in-cluster');
    let oidc: ReturnType<typeof parseOidcFlags>;
    try {
      oidc = parseOidcFlags(o);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    const inCluster = o.inCluster
      ? {
          kubeconfig: o.kubeconfig, ingestPort: o.ingestPort, namespace: o.namespace, collectorSa: o.collectorSa ?? [], audience: o.audience ?? [], oidc, region: config.awsRegion, kmsKeyId: o.kmsKeyId, maxBundleBytes: o.maxBundleBytes,
          ssmPing: o.ssmPing ? { endpoint: o.awsEndpoint } : undefined,
        }
      : undefined;
    await runServe({ store: o.store, stdio: o.stdio, host: o.host, port: o.port, sopsDir: o.sops, conformanceFixtures: o.conformanceFixtures, sessions: o.sessions, inCluster }, o.stdio ? log : pino({ level: config.logLevel ?? 'info', base: undefined }, pino.destination(2)));
  });

program
  .command('baseline')
  .description("Build a cluster's noise profile from the newest bundle of each of its nodes (errors then marks shared findings is_baseline)")
  .option('--store <dir>', 'filesystem store', config.storeDir)
  .option('--cluster <name>', 'cluster name as the bundles record it', 'default')
  .action(async (o: { store: string; cluster: string }) => {
    process.exitCode = await runBaseline(o);
  });

const collect = (v: string, prev: string[] = []) => [...prev, v];
program
  .command('pcap')
  .description('Analyse a packet capture (pcap/pcapng, e.g. tcpdump -i any -w): DNS, TCP, ICMP, NAT and MTU anomalies')
  .argument('<file>', 'capture file (.pcap or .pcapng)')
  .option('--json', 'print one JSON document to stdout')
  .option('--service-cidr <cidr>', 'Kubernetes service CIDR (repeatable; default from core/pcap/thresholds.yaml)', collect)
  .option('--pod-cidr <cidr>', 'pod CIDR for the SNAT heuristic (repeatable)', collect)
  .action(async (file: string, o: { json?: boolean; serviceCidr?: string[]; podCidr?: string[] }) => {
    process.exitCode = await runPcapCommand(file, o);
  });

program
  .command('import-capture')
  .description('File a packet capture (pcap/pcapng) under a node in the store and analyse it, for tcpdump_analyze')
  .argument('<file>', 'capture file')
  .requiredOption('--node <name>', 'node the capture was taken on')
  .option('--store <dir>', 'filesystem store', config.storeDir)
  .action(async (file: string, o: { node: string; store: string }) => {
    process.exitCode = await runImportCapture(file, o);
  });

program
  .command('operator')
  .description('Reconcile NodeLogCollection and PacketCapture resources (in the cluster, or against --kubeconfig)')
  .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster service account)')
  .option('--namespace <ns>', 'namespace of the operator, its lease and the agent pods', config.podNamespace ?? 'eks-node-log-mcp')
  .option('--image <ref>', 'image for one-shot collector pods', config.image ?? 'ghcr.io/eks-node-log-mcp/eks-node-log-mcp:0.1.0')
  .option('--hub-url <url>', "hub ingest URL one-shot pods upload to", 'http://eks-node-log-mcp-server.eks-node-log-mcp.svc:8090')
  .option('--hub-audience <aud>', 'audience of the projected token the hub accepts', 'eks-node-log-mcp-hub')
  .option('--collector-sa <name>', 'service account of one-shot collector pods', 'eks-node-log-mcp-agent')
  .option('--agent-selector <labels>', 'label selector of the agent DaemonSet pods', 'app.kubernetes.io/name=eks-node-log-mcp,app.kubernetes.io/component=agent')
  .option('--leader-elect', 'hold a Lease so only one replica reconciles')
  .option('--health-port <port>', 'probes (/healthz, /readyz)', positiveInt, 8081)
  .option('--metrics-port <port>', 'Prometheus /metrics', positiveInt, 9090)
  .option('--qps <n>', 'API requests per second (sustained)', positiveInt, 20)
  .option('--burst <n>', 'API request burst', positiveInt, 40)
  .option('--concurrency <n>', 'reconcile workers per kind', positiveInt, 4)
  .option('--collect-timeout <s>', 'fail a collection that has not completed after this many seconds', positiveInt, 900)
  .option('--node-gone-grace <s>', 'fail a collection whose node is missing this long', positiveInt, 60)
  .option('--poll <s>', 'seconds between checks of a running collection', positiveInt, 5)
  .option('--store <dir|s3://bucket/prefix>', 'bundle store (SSM collections are ingested into it)', config.storeDir)
  .option('--region <region>', 'AWS region of the store and SSM', config.awsRegion)
  .option('--kms-key-id <id>', 'SSE-KMS key for the S3 store')
  .option('--ssm-bucket <bucket>', 'enable the SSM method: the bucket AWSSupport-CollectEKSInstanceLogs uploads to')
  .option('--ssm-role-arn <arn>', 'AutomationAssumeRole for the SSM runbook')
  .addOption(new Option('--aws-endpoint <url>', 'AWS endpoint override (testing only)').hideHelp())
  .action(async (o: Parameters<typeof runOperatorCommand>[0]) => {
    await runOperatorCommand(o, pino({ level: config.logLevel ?? 'info', base: undefined }, pino.destination(2)));
  });

program
  .command('capture')
  .description("Capture packets on this host (its network namespace, a pod's, a PID's or a netns file) into the store and analyse them")
  .option('--netns <path>', 'network namespace file, e.g. /run/netns/x')
  .option('--pid <n>', "the network namespace of this process", positiveInt)
  .option('--pod-uid <uid>', 'the network namespace of this pod (found through its kubepods cgroup)')
  .option('--pod <namespace/name>', 'the same, the UID looked up in /var/log/pods (exact name only)')
  .option('--interface <name>', 'interface in that namespace', 'any')
  .option('--filter <bpf>', 'BPF filter, compiled with tcpdump -d before anything runs')
  .option('--duration <seconds>', 'capture length, 1 to 3600', positiveInt, 30)
  .option('--max-packets <n>', 'stop after this many packets', positiveInt)
  .option('--max-bytes <n>', 'stop once the capture holds this many bytes (default 512 MiB)', positiveInt)
  .option('--store <dir>', 'filesystem store', config.storeDir)
  .option('--node <name>', 'node name to file the capture under', 'local')
  .option('--host-root <dir>', "where the host's / is mounted (/proc, /sys/fs/cgroup)", '/')
  .option('--json', 'print the result and analysis as one JSON document')
  .action(async (o: { netns?: string; pid?: number; podUid?: string; pod?: string; interface: string; filter?: string; duration: number; maxPackets?: number; maxBytes?: number; store: string; node: string; hostRoot: string; json?: boolean }) => {
    process.exitCode = await runCaptureCommand(o, log);
  });

program
  .command('collect')
  .description('Collect this host (logs, network, storage and system state) into the store and analyse it; run as root for a complete bundle')
  .option('--categories <list>', 'comma-separated: Base, Device, Networking, Runtime, System or All', 'All')
  .option('--since <duration>', 'how far back journals go, e.g. 30m, 2h, 1d', '2h')
  .option('--store <dir>', 'filesystem store', config.storeDir)
  .option('--host-root <dir>', "where the host's / is mounted", '/')
  .option('--json', 'print one JSON document to stdout')
  .action(async (o: { categories: string; since: string; store: string; hostRoot: string; json?: boolean }) => {
    process.exitCode = await runCollectCommand(o, log);
  });

program
  .command('deploy')
  .description('Provision the hub (CDK: S3, KMS, IAM) for an EKS cluster and install the Helm chart; asks for what flags leave open')
  .option('--region <region>', 'a region, "current" or "all" (search every enabled region); env EKS_NLM_REGION')
  .option('--cluster <name>', 'EKS cluster name; env EKS_NLM_CLUSTER')
  .addOption(new Option('--identity <mode>', 'how pods get AWS credentials; env EKS_NLM_IDENTITY').choices(['pod-identity', 'irsa']))
  .option('--ssm', 'enable the SSM collection method (grants the node roles); env EKS_NLM_SSM=true')
  .option('--no-ssm', 'do not enable the SSM method; env EKS_NLM_SSM=false')
  .option('--node-role <arn>', 'instance role of the nodes to grant the SSM upload (repeatable; default: every managed node group\'s; needed for Karpenter or self-managed nodes); env EKS_NODE_ROLE_ARNS=<arn>,<arn>', collect)
  .option('--namespace <ns>', 'namespace of the release (default: eks-node-log-mcp); env EKS_NLM_NAMESPACE')
  .option('--release <name>', 'Helm release name (default: eks-node-log-mcp); env EKS_NLM_RELEASE')
  .option('--gateway', 'also create the Bedrock AgentCore gateway + Cognito for agents outside the cluster; the hub then accepts its Cognito token (server.oidc; untested against AWS: docs/connect-agents.md §3)')
  .option('--gateway-target-url <url>', "https URL of the chart's Ingress the gateway forwards to")
  .option('--kube-context <ctx>', 'kubeconfig context of the cluster (deploy stops unless it points at the cluster); env EKS_NLM_KUBE_CONTEXT')
  .option('--image <ref>', "image for every component, repository:tag or repository@sha256:… (e.g. the Dockerfile built and pushed to ECR); default: the chart's image; env EKS_NLM_IMAGE")
  .option('--yes', 'non-interactive: ask nothing, approve IAM changes')
  .option('--dry-run', 'print the commands instead of running them')
  .action(async (o: { region?: string; cluster?: string; identity?: 'irsa' | 'pod-identity'; ssm?: boolean; nodeRole?: string[]; namespace?: string; release?: string; gateway?: boolean; gatewayTargetUrl?: string; kubeContext?: string; image?: string; yes?: boolean; dryRun?: boolean }, cmd: Command) => {
    // commander defaults --ssm/--no-ssm to true; only an explicit flag counts as an answer.
    const ssm = cmd.getOptionValueSource('ssm') === 'cli' ? o.ssm : undefined;
    const options = withDeployEnv({ ...o, ssm }, config.deployEnv(), config.image);
    process.exitCode = await runDeploy({ ...options, interactive: !o.yes && process.stdin.isTTY === true }, log);
  });

program
  .command('agent')
  .description("The node agent: collect and capture for this node's NodeLogCollections and PacketCaptures, upload to the hub")
  .requiredOption('--node-name <name>', 'the Kubernetes node this agent runs on')
  .requiredOption('--hub-url <url>', 'hub ingest endpoint, e.g. http://eks-node-log-mcp-server.eks-node-log-mcp.svc:8090')
  .option('--token-file <path>', 'projected service account token with the hub audience', '/var/run/secrets/eks-node-log-mcp/token')
  .option('--host-root <dir>', "where the host's filesystem is mounted", config.hostRoot)
  .option('--in-pod', "run host commands in PID 1's namespaces (nsenter)")
  .option('--kubeconfig <path>', 'kubeconfig file (default: in-cluster service account)')
  .option('--once', 'do one resource (--collection) and exit: the one-shot collector pod')
  .addOption(new Option('--kind <kind>', 'kind of the --once resource').choices(['nlc', 'pcap']).default('nlc'))
  .option('--collection <ns/name>', 'the --once resource')
  .action(async (o: Parameters<typeof runAgentCommand>[0]) => {
    process.exitCode = await runAgentCommand(o, pino({ level: config.logLevel ?? 'info', base: undefined }, pino.destination(2)));
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  log.error({ err }, 'command failed');
  process.exitCode = 1;
});
