import { Draw } from './random';

/** One 311 service request with free text and the department that handled it. */
export interface ServiceRequestRow {
  ts: string;
  request_id: string;
  borough: string;
  description: string;
  department: string;
}

const TEMPLATES: Record<string, { subjects: string[]; phrases: string[] }> = {
  transportation: {
    subjects: ['pothole', 'traffic light', 'street sign', 'crosswalk', 'bike lane', 'bus stop'],
    phrases: ['is broken', 'is out at the intersection', 'is damaged and dangerous for cars', 'has been blocked for days', 'needs repainting'],
  },
  sanitation: {
    subjects: ['trash pickup', 'recycling bin', 'litter basket', 'bulk item', 'dumped mattress', 'garbage bags'],
    phrases: ['was missed again this week', 'is overflowing on the sidewalk', 'left on the curb for days', 'smells and attracts rats', 'not collected'],
  },
  parks: {
    subjects: ['playground swing', 'park bench', 'tree branch', 'dog run fence', 'water fountain', 'basketball hoop'],
    phrases: ['is broken in the park', 'fell down after the storm', 'needs repair', 'is unsafe for children', 'has graffiti'],
  },
  water: {
    subjects: ['water main', 'fire hydrant', 'sewer drain', 'catch basin', 'water pressure', 'manhole'],
    phrases: ['is leaking into the street', 'is flooding the basement', 'is clogged and backing up', 'is very low in the building', 'is open and spraying'],
  },
  noise: {
    subjects: ['loud music', 'construction noise', 'barking dog', 'car alarm', 'party next door', 'jackhammer'],
    phrases: ['late at night', 'every morning at 6am', 'all weekend long', 'for hours without stopping', 'after midnight again'],
  },
};
const BOROUGHS = ['north', 'south', 'east', 'west', 'central'];
const STREETS = ['Main St', 'Oak Ave', 'Elm St', 'Park Rd', '5th Ave', 'River Dr', 'Hill St', 'Lake Blvd'];

/** The departments of {@link serviceRequestRows}, in a stable order. */
export const DEPARTMENTS = Object.keys(TEMPLATES);

/**
 * Deterministic synthetic 311 requests: short complaints built from department-specific
 * vocabulary with shared filler words and some cross-department noise, labelled with the
 * department. A text classifier should beat the majority class clearly, but not reach 100%.
 */
export function* serviceRequestRows(options: { count?: number; start?: string; seed?: number } = {}): Generator<ServiceRequestRow> {
  const count = options.count ?? 2000;
  const start = Date.parse(options.start ?? '2026-01-05T05:00:00Z');
  const draw = new Draw(options.seed ?? 311);
  const weights = [0.3, 0.25, 0.15, 0.15, 0.15];
  for (let i = 0; i < count; i++) {
    let r = draw.uniform();
    let d = 0;
    while (d < weights.length - 1 && r >= weights[d]) r -= weights[d++];
    const department = DEPARTMENTS[d];
    const own = TEMPLATES[department];
    // One request in ten borrows another department's subject: labels stay noisy like real 311 data.
    const subject = draw.chance(0.1) ? draw.pick(TEMPLATES[draw.pick(DEPARTMENTS)].subjects) : draw.pick(own.subjects);
    const description = `${draw.chance(0.5) ? 'The ' : ''}${subject} near ${draw.int(1, 999)} ${draw.pick(STREETS)} ${draw.pick(own.phrases)}${draw.chance(0.3) ? ', please help' : ''}`;
    yield {
      ts: new Date(start + Math.floor(draw.uniform(0, 90 * 24 * 3600_000))).toISOString(),
      request_id: `R${String(i + 1).padStart(6, '0')}`,
      borough: draw.pick(BOROUGHS),
      description,
      department,
    };
  }
}
