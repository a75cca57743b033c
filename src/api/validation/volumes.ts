import { CEL } from '../cel-rules';
import type { AppSpec } from '../spec';
import type { PodContainer } from './containers';
import { repeats } from './repeats';

/** volumes and sharedVolumes: names unique across both, each sharedVolume on a path of its own. */
export function volumeErrors(spec: AppSpec): string[] {
  const volumes = spec.volumes ?? [];
  const shared = spec.sharedVolumes ?? [];
  const volumeNames = new Set(volumes.map((v) => v.name));
  return [
    ...repeats(
      volumes,
      (v) => v.name,
      (i, first) =>
        `spec.volumes[${i}].name: "${volumes[i].name}" is also spec.volumes[${first}]; volume names must be unique`,
    ),
    ...repeats(
      shared,
      (v) => v.name,
      (i, first) =>
        `spec.sharedVolumes[${i}].name: "${shared[i].name}" is also spec.sharedVolumes[${first}]; volume names must be unique`,
    ),
    ...shared.flatMap((v, i) => {
      const errors: string[] = [];
      if (volumeNames.has(v.name))
        errors.push(`spec.sharedVolumes[${i}].name: ${CEL.spec.sharedVolumeNotNamedLikeVolume.message} ("${v.name}")`);
      const first = shared.findIndex((w) => w.mountPath === v.mountPath);
      if (first < i)
        errors.push(
          `spec.sharedVolumes[${i}].mountPath: ${CEL.spec.sharedVolumeMountPathsDistinct.message} ("${v.mountPath}" is also spec.sharedVolumes[${first}])`,
        );
      return errors;
    }),
  ];
}

/**
 * The volumeMounts of the container at path `at`: each of a volume the Pod has (the guide's
 * "shared volume issues"), none on a sharedVolume's path, no two on one path.
 */
export function mountErrors(at: string, c: PodContainer, spec: AppSpec): string[] {
  const shared = spec.sharedVolumes ?? [];
  const mountable = new Set([...(spec.volumes ?? []).map((v) => v.name), ...shared.map((v) => v.name)]);
  const mounts = c.volumeMounts ?? [];
  const errors: string[] = [];
  mounts.forEach((m, j) => {
    if (!mountable.has(m.name))
      errors.push(`${at}.volumeMounts[${j}].name: no volume named "${m.name}" in volumes or sharedVolumes`);
    // Every sharedVolume this container does not mount by name is added at its mountPath; two mounts on one path make the Pod invalid.
    const clash = shared.find((v) => v.mountPath === m.mountPath && !mounts.some((n) => n.name === v.name));
    if (clash)
      errors.push(
        `${at}.volumeMounts[${j}].mountPath: "${m.mountPath}" is where sharedVolume "${clash.name}" is mounted in every container; mount "${m.name}" elsewhere`,
      );
  });
  errors.push(
    ...repeats(
      mounts,
      (m) => m.mountPath,
      (j, first) =>
        `${at}.volumeMounts[${j}].mountPath: "${mounts[j].mountPath}" is also the mountPath of ${at}.volumeMounts[${first}]; a container mounts one volume at a path`,
    ),
  );
  return errors;
}
