/**
 * The real node's configuration files, as pure functions of its paths and addresses. Each choice
 * that looks odd is forced by this machine (see docs/development.md "A real node"): no
 * CAP_SYS_RESOURCE, cgroup v1, no registry, and the rule that no packet may leave the machine.
 */

export interface NodeLayout {
  /** Everything the node writes that can be moved lives under this folder. */
  lab: string;
  nodeName: string;
  /** The harness bridge: its address is the node's InternalIP, the kubelet's and CoreDNS's listen address. */
  bridge: string;
  bridgeIp: string;
  podCidr: string;
  /** ClusterIPs: Pods route this range to the bridge, where only the `kubernetes` Service is translated. */
  serviceCidr: string;
  /** First and last Pod address handed out on the bridge. */
  podRange: [string, string];
  cgroupRoot: string;
  kubeletPort: number;
  clusterDomain: string;
}

export const containerdSocket = (l: NodeLayout) => `${l.lab}/run/containerd.sock`;

/** containerd v2 (config version 3) with the CRI plugin, everything under the lab folder. */
export function containerdConfig(l: NodeLayout): string {
  return `version = 3
root = "${l.lab}/containerd/root"
state = "${l.lab}/containerd/state"
# NRI would open /var/run/nri/nri.sock; nothing here uses it.
disabled_plugins = ["io.containerd.nri.v1.nri"]
[grpc]
  address = "${containerdSocket(l)}"
[ttrpc]
  address = "${containerdSocket(l)}.ttrpc"
[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "${l.lab}/containerd/opt"
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'overlayfs'
    [plugins.'io.containerd.cri.v1.images'.registry]
      config_path = '${registryConfigDir(l)}'
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = 'registry.k8s.io/pause:3.10'
  [plugins.'io.containerd.cri.v1.runtime']
    # Without CAP_SYS_RESOURCE runc cannot lower the sandbox's oom_score_adj below our own:
    # every sandbox then fails with "can't get final child's PID from pipe: EOF".
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = 'runc'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = 'io.containerd.runc.v2'
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = '/usr/bin/runc'
          Root = '${l.lab}/run/runc'
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ['/usr/lib/cni']
      conf_dir = '${l.lab}/cni/net.d'
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = '127.0.0.1'
    stream_server_port = '0'
`;
}

export const registryConfigDir = (l: NodeLayout) => `${l.lab}/containerd/certs.d`;
/** Where every pull goes: a loopback port nothing listens on. */
export const pullMirror = 'https://127.0.0.1:1';

/**
 * hosts.toml for every registry (`_default`): no registry is reachable here, and a pull must not
 * even look a registry's name up. So a missing image fails at once, here, with the kubelet's own
 * ErrImagePull and ImagePullBackOff: "dial tcp 127.0.0.1:1: connect: connection refused".
 */
export function registryHosts(): string {
  return `# Every registry: a loopback port where nothing listens (see configs.ts).
server = "${pullMirror}"
`;
}

/** The CNI network's name: libcni's cache files in /var/lib/cni/results start with it. */
export const cniNetworkName = 'awh-node';

/**
 * CNI: Pods on the harness bridge with no gateway and no masquerade, so a Pod has no default
 * route and reaches only the bridge (other Pods, the node's address) and, through the node's
 * address, the Service range: there the host translates the `kubernetes` Service to the API
 * server and drops the rest. No ip_forward, no masquerade.
 */
export function cniConfig(l: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: cniNetworkName,
      plugins: [
        {
          type: 'bridge',
          bridge: l.bridge,
          isGateway: false,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: `${l.lab}/cni/ipam`,
            ranges: [[{ subnet: l.podCidr, rangeStart: l.podRange[0], rangeEnd: l.podRange[1] }]],
            routes: [{ dst: l.serviceCidr, gw: l.bridgeIp }],
          },
        },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  );
}

export const nodeLabels = { 'helpers.dev/real-node': 'true', type: 'real' };
/** Only Pods that tolerate this taint land on the real node; everything else stays on KWOK nodes. */
export const nodeTaint = { key: 'helpers.dev/real-node', value: 'true', effect: 'NoSchedule' };

/** The kubelet: cgroupfs driver under our own cgroup root, listening only on the bridge address. */
export function kubeletConfig(l: NodeLayout, clientCaFile: string): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine has cgroup v1, which the kubelet refuses by default since 1.35.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: ${l.cgroupRoot}
containerRuntimeEndpoint: unix://${containerdSocket(l)}
podLogsDir: ${l.lab}/kubelet/pod-logs
volumePluginDir: ${l.lab}/kubelet/volume-plugins
address: ${l.bridgeIp}
port: ${l.kubeletPort}
readOnlyPort: 0
healthzPort: 0
# The API server presents a client certificate from the cluster CA; everything else is refused.
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${clientCaFile}}
authorization: {mode: Webhook}
failSwapOn: false
# Its KUBE-FIREWALL and canary chains serve kube-proxy, which this node does not run; without
# this line the kubelet would leave them in the host's iptables.
makeIPTablesUtilChains: false
# No host resolv.conf: Pods resolve cluster names only, and never ask a resolver off the machine.
resolvConf: ""
clusterDNS: [${l.bridgeIp}]
clusterDomain: ${l.clusterDomain}
serializeImagePulls: false
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
maxPods: 40
registerNode: true
registerWithTaints:
- {key: ${nodeTaint.key}, value: "${nodeTaint.value}", effect: ${nodeTaint.effect}}
`;
}

/** CoreDNS: cluster.local from the API server, on the bridge address only; other names are refused. */
export function corefile(l: NodeLayout, kubeconfig: string, healthPort: number, readyPort: number): string {
  return `${l.clusterDomain}:53 {
    bind ${l.bridgeIp}
    ready 127.0.0.1:${readyPort}
    health 127.0.0.1:${healthPort}
    errors
    kubernetes ${l.clusterDomain} {
        kubeconfig ${kubeconfig}
        pods insecure
        ttl 5
    }
}
`;
}
