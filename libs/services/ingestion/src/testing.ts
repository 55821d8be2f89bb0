import { common } from '@cityml/proto';

/** Test helper: a schema column. */
export const col = (name: string, type: common.ColumnType, nullable = true): common.ColumnSchema => ({ name, type, nullable, description: '' });

export const T = common.ColumnType;

/** Test helper: µs since the epoch of an ISO date-time. */
export const us = (iso: string) => new Date(iso).getTime() * 1000;
