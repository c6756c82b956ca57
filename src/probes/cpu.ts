/**
 * CPU time (user + system) of the whole process during one call, in milliseconds. Work by other
 * code running in the same process at the same moment counts too.
 */
export const cpuProbe = {
  start(): NodeJS.CpuUsage {
    return process.cpuUsage();
  },
  stop(token: NodeJS.CpuUsage): number {
    const d = process.cpuUsage(token);
    return (d.user + d.system) / 1000;
  },
};
