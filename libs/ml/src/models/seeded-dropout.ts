import * as tf from '@tensorflow/tfjs';
import { mixSeed } from '../random';

/** Constructor arguments of {@link SeededDropout}. */
export interface SeededDropoutArgs {
  rate: number;
  seed: number;
  name?: string;
}

/**
 * Dropout whose masks are reproducible: call k draws its mask from seed mix(seed, k).
 * (tfjs's own Dropout reuses one mask for every batch when seeded, and is random when not.)
 * It serializes as a plain `Dropout` layer, so saved models load anywhere without this
 * class, and dropout is inert at inference either way.
 */
export class SeededDropout extends tf.layers.Layer {
  /** Registered class name (only used inside this process). */
  static readonly className = 'CityMLSeededDropout';
  private readonly rate: number;
  private readonly seed: number;
  private calls = 0;

  constructor(args: SeededDropoutArgs) {
    super({ name: args.name });
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  /** Sets how many masks have been drawn (a resumed run continues the sequence). */
  setCallCount(calls: number): void {
    this.calls = calls;
  }

  override getClassName(): string {
    return 'Dropout';
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (kwargs['training'] !== true || this.rate <= 0) return x.clone();
    const seed = mixSeed(this.seed, this.calls++);
    return tf.tidy(() => {
      const keep = tf.randomUniform(x.shape, 0, 1, 'float32', seed).greaterEqual(this.rate).cast('float32');
      return x.mul(keep).div(1 - this.rate);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed };
  }
}

tf.serialization.registerClass(SeededDropout);
