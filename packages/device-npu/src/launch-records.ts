/**
 * What the simulator records of each launch and each logical op (a group of launches): the data explain()
 * reports. A module of its own so the simulator (which writes records) and explain (which reads them) both
 * depend on it instead of on each other.
 */
export interface LaunchRecord {
  readonly kernel: string;
  readonly group: string | null;
  readonly plan: string;
  readonly cores: number;
  readonly ubCapacityBytes: number;
  readonly ubPeakBytes: number;
  readonly gmReadBytes: number;
  readonly gmWriteBytes: number;
  readonly gmReadBurstBytes: number;
  readonly gmWriteBurstBytes: number;
  readonly transfers: number;
  readonly minReadBytes: number | null;
  readonly minWriteBytes: number | null;
  readonly vectorElemOps: number;
  readonly busiestCoreCycles: number;
  readonly estGmSeconds: number;
  readonly estVectorSeconds: number;
  readonly estSeconds: number;
  readonly wallMs: number;
  readonly error: string | null;
}

export interface GroupRecord {
  readonly name: string;
  readonly minReadBytes: number;
  readonly minWriteBytes: number;
  readonly launches: number[];
}
