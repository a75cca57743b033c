import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { HostChanges } from '../../../hack/cluster/node/host-state';
import { hostDiff } from '../../real-node/host-snapshot';
import freshHost from './fixtures/fresh-host.json';

/** What iptables-save prints once the kernel has made the nat table: built-in chains, no rules. */
const emptyNat = ['*nat', ':PREROUTING ACCEPT', ':INPUT ACCEPT', ':OUTPUT ACCEPT', ':POSTROUTING ACCEPT', 'COMMIT'];
const iptables = (lines: string[]) => lines.map((l) => `iptables: ${l}`);

describe('the real node leaves the host as it found it', () => {
  describe('hostDiff, from a snapshot recorded on a fresh host', () => {
    it('takes an empty built-in nat table the kernel made on first use for no change', () => {
      assert.deepEqual(hostDiff(freshHost, [...freshHost, ...iptables(emptyNat)]), []);
      assert.deepEqual(
        hostDiff(freshHost, [...freshHost, ...iptables(emptyNat).map((l) => l.replace('iptables', 'ip6tables'))]),
        [],
      );
    });

    it('reports a rule left behind, a chain made, a policy changed, and what a first run leaves', () => {
      const rule = '-A OUTPUT -d 10.96.0.1/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 10.77.0.1:6443';
      const withRule = [...emptyNat.slice(0, -1), rule, 'COMMIT'];
      assert.deepEqual(
        hostDiff(freshHost, [...freshHost, ...iptables(withRule)]),
        iptables(withRule).map((l) => `+ ${l}`),
      );
      const chain = [...emptyNat.slice(0, -1), ':KUBE-FIREWALL - ', 'COMMIT'];
      assert.equal(hostDiff(freshHost, [...freshHost, ...iptables(chain)]).length, chain.length);
      const dropped = emptyNat.map((l) => (l === ':INPUT ACCEPT' ? ':INPUT DROP' : l));
      assert.equal(hostDiff(freshHost, [...freshHost, ...iptables(dropped)]).length, dropped.length);
      const left = ['cgroup: /sys/fs/cgroup/unified/awh-node', 'path: /var/lib/cni'];
      assert.deepEqual(
        hostDiff(freshHost, [...freshHost, ...left]),
        left.map((l) => `+ ${l}`),
      );
    });

    it('still sees the filter table of a host that has rules in it go', () => {
      const filter = iptables(['*filter', ':INPUT ACCEPT', '-A INPUT -i lo -j ACCEPT', 'COMMIT']);
      assert.equal(hostDiff([...freshHost, ...filter], freshHost).length, filter.length);
    });
  });

  describe('HostChanges.undo, from a host where none of the fixed paths existed', () => {
    let root: string;
    beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'awh-host-'))));
    afterEach(() => rmSync(root, { recursive: true, force: true }));
    const at = (p: string) => path.join(root, p);
    const touch = (p: string) => {
      mkdirSync(path.dirname(at(p)), { recursive: true });
      writeFileSync(at(p), '');
    };

    it('removes the cgroups and folders the node made, with what the kubelet and libcni left in them', () => {
      mkdirSync(at('lab'));
      mkdirSync(at('sys/fs/cgroup/memory'), { recursive: true });
      mkdirSync(at('var/lib'), { recursive: true });
      const changes = HostChanges.begin(at('lab'), () => undefined, at('run/state/state.json'));
      for (const h of ['memory', 'unified']) changes.ensureCgroup(at(`sys/fs/cgroup/${h}/awh-node`));
      changes.ensurePath(at('var/lib/cni'), [at('var/lib/cni/results/awh-node-*')], true);
      changes.ensurePath(at('run/containerd'), [at('run/containerd/s'), at('run/containerd/fifo')]);
      // What a run leaves: Pod cgroups below the root, libcni's cache, buildah's networks, shims' folders.
      mkdirSync(at('sys/fs/cgroup/unified/awh-node/kubepods/pod1'), { recursive: true });
      touch('var/lib/cni/results/awh-node-abc-eth0');
      touch('var/lib/cni/networks/buildah/last_reserved_ip.0');
      touch('run/containerd/s/1234');
      const log: string[] = [];
      changes.undo((line) => log.push(line));
      assert.deepEqual(log, []);
      assert.deepEqual(readdirSync(at('sys/fs/cgroup/memory')), []);
      assert.ok(!existsSync(at('sys/fs/cgroup/unified/awh-node')), 'the unified-hierarchy cgroup is gone');
      assert.deepEqual(readdirSync(at('var/lib')), [], '/var/lib/cni and what is under it are gone');
      assert.deepEqual(readdirSync(at('run')), [], '/run/containerd, emptied of the shims, is gone');
      assert.ok(!existsSync(at('lab')) && !existsSync(at('run/state')), 'the lab and the state file are gone');
    });

    it('keeps what existed before, emptied of the node’s parts: a cgroup a killed run left, a shared folder', () => {
      mkdirSync(at('sys/fs/cgroup/unified/awh-node'), { recursive: true });
      touch('var/lib/cni/networks/other/last_reserved_ip.0');
      const changes = HostChanges.begin(at('lab'), () => undefined, at('run/state/state.json'));
      changes.ensureCgroup(at('sys/fs/cgroup/unified/awh-node'));
      changes.ensurePath(at('var/lib/cni'), [at('var/lib/cni/results/awh-node-*')]);
      mkdirSync(at('sys/fs/cgroup/unified/awh-node/kubepods'));
      touch('var/lib/cni/results/awh-node-abc-eth0');
      changes.undo(() => undefined);
      assert.deepEqual(readdirSync(at('sys/fs/cgroup/unified/awh-node')), []);
      assert.deepEqual(readdirSync(at('var/lib/cni')).sort(), ['networks', 'results']);
      assert.deepEqual(readdirSync(at('var/lib/cni/results')), []);
    });

    it('keeps a folder it made that another program uses meanwhile: a host containerd started during the run', () => {
      const changes = HostChanges.begin(at('lab'), () => undefined, at('run/state/state.json'));
      changes.ensurePath(at('run/containerd'), [at('run/containerd/s')]);
      touch('run/containerd/containerd.sock');
      changes.undo(() => undefined);
      assert.deepEqual(readdirSync(at('run/containerd')), ['containerd.sock']);
    });
  });
});
