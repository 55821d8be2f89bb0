import { preprocessing as pb } from '@cityml/proto';

/** One split's stored tensors (artifact ids are sha256 ids in the artifact store). */
export interface SplitResult {
  x: string;
  xShape: number[];
  y: string;
  yShape: number[];
  rows: number;
  persistence?: string;
  seasonalNaive?: string;
}

/** What a READY feature set records (the `result` jsonb column). */
export interface FeatureSetResult {
  layout: 'flat' | 'sequence';
  featureNames: string[];
  classLabels: string[];
  inputShape: number[];
  outputSize: number;
  transform: string;
  transformFormatVersion: number;
  sourceRows: number;
  train: SplitResult;
  validation: SplitResult;
  test: SplitResult;
}

/** A feature set row. */
export interface FeatureSetRow {
  tenant: string;
  id: string;
  dataset: string;
  dataset_id: string;
  dataset_version: number;
  spec_hash: string;
  spec: Buffer;
  state: 'PENDING' | 'RUNNING' | 'READY' | 'FAILED';
  progress: number;
  error: string;
  attempts: number;
  result: FeatureSetResult | null;
  created_at: Date;
  updated_at: Date;
}

const STATES: Record<FeatureSetRow['state'], pb.FeatureSetState> = {
  PENDING: pb.FeatureSetState.FEATURE_SET_STATE_PENDING,
  RUNNING: pb.FeatureSetState.FEATURE_SET_STATE_RUNNING,
  READY: pb.FeatureSetState.FEATURE_SET_STATE_READY,
  FAILED: pb.FeatureSetState.FEATURE_SET_STATE_FAILED,
};

function splitTensors(s: SplitResult): pb.SplitTensors {
  return {
    xArtifactId: s.x,
    xShape: s.xShape,
    yArtifactId: s.y,
    yShape: s.yShape,
    rows: s.rows,
    persistenceArtifactId: s.persistence ?? '',
    seasonalNaiveArtifactId: s.seasonalNaive ?? '',
  };
}

/** The protobuf FeatureSet of a row. */
export function toProto(row: FeatureSetRow): pb.FeatureSet {
  const r = row.result;
  return {
    id: row.id,
    dataset: row.dataset,
    datasetVersion: Number(row.dataset_version),
    specHash: row.spec_hash,
    spec: pb.FeatureSpec.decode(row.spec),
    state: STATES[row.state],
    progress: row.progress,
    error: row.error,
    layout: !r ? pb.Layout.LAYOUT_UNSPECIFIED : r.layout === 'sequence' ? pb.Layout.LAYOUT_SEQUENCE : pb.Layout.LAYOUT_FLAT,
    featureNames: r?.featureNames ?? [],
    train: r ? splitTensors(r.train) : undefined,
    validation: r ? splitTensors(r.validation) : undefined,
    test: r ? splitTensors(r.test) : undefined,
    transformArtifactId: r?.transform ?? '',
    classLabels: r?.classLabels ?? [],
    createTime: row.created_at,
    updateTime: row.updated_at,
    inputShape: r?.inputShape ?? [],
    outputSize: r?.outputSize ?? 0,
    transformFormatVersion: r?.transformFormatVersion ?? 0,
    sourceRows: r?.sourceRows ?? 0,
  };
}
