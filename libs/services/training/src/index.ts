import type { ServiceModule } from '@cityml/runtime';
import { training } from '@cityml/proto';
import init from './migrations/001_init.sql';

/** The training service: its migrations and factory (RPCs not implemented yet answer UNIMPLEMENTED). */
export const trainingModule: ServiceModule = {
  name: 'training',
  migrations: [{ schema: 'training', migrations: [{ name: '001_init', sql: init }] }],
  create: () => ({
    fullName: 'cityml.training.v1.TrainingService',
    definition: training.TrainingServiceService,
    implementation: {},
  }),
};
