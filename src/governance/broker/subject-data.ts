// The broker's only way to personal data: one source per data category, registered when the
// process is composed (src/app/runtime.ts). Sources are implemented where the data lives
// (messaging, cases) and hand records to the broker, which alone decides, logs and masks.
import type { SubjectRef } from '../../cells/records.js';
import type { FieldValue } from './masking.js';

export type { SubjectRef };

/** One record about one subject; `values` holds every field the source knows. */
export interface SubjectRecord {
  readonly subjectId: string;
  readonly recordId: string;
  readonly values: Readonly<Record<string, FieldValue>>;
}

export interface SubjectDataReadProps {
  readonly subjects: readonly SubjectRef[];
  /** Only these records (ids), when given. */
  readonly records?: readonly string[] | undefined;
  /** Most records to return in all. */
  readonly limit: number;
}

export interface SubjectDataSource {
  /** The category this source serves, e.g. `user.contact`. */
  readonly category: string;
  /** Every field its records carry, in presentation order. */
  readonly fields: readonly string[];
  read(props: SubjectDataReadProps): Promise<SubjectRecord[]>;
}

export interface SubjectDataSources {
  register(source: SubjectDataSource): void;
  get(category: string): SubjectDataSource | undefined;
  categories(): string[];
}

export function createSubjectDataSources(): SubjectDataSources {
  const sources = new Map<string, SubjectDataSource>();
  return {
    register(source) {
      if (sources.has(source.category)) throw new Error(`a data source for ${source.category} is already registered`);
      sources.set(source.category, source);
    },
    get: (category) => sources.get(category),
    categories: () => [...sources.keys()].sort(),
  };
}
