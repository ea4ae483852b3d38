// The broker's only way to personal data: one source per data category, registered when the
// process is composed (src/app/runtime.ts). Sources are implemented where the data lives
// (messaging, cases) and hand records to the broker, which alone decides, logs and masks.
import type { SubjectRef } from '../../cells/records.js';
import { covers, isCategory } from '../../cells/categories.js';
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
  /**
   * Fields that hold a category below the source's (`phone` → `user.contact.phone_number`), so
   * a request for that category is served by this source narrowed to those fields. A field not
   * named here holds the source's own category.
   */
  readonly fieldCategories?: Readonly<Record<string, string>>;
  read(props: SubjectDataReadProps): Promise<SubjectRecord[]>;
}

export interface SubjectDataSources {
  register(source: SubjectDataSource): void;
  get(category: string): SubjectDataSource | undefined;
  categories(): string[];
  all(): SubjectDataSource[];
}

export function createSubjectDataSources(): SubjectDataSources {
  const sources = new Map<string, SubjectDataSource>();
  return {
    register(source) {
      if (!isCategory(source.category)) throw new Error(`data source category ${source.category} is not in src/cells/categories.ts`);
      for (const [field, category] of Object.entries(source.fieldCategories ?? {})) {
        if (!isCategory(category) || category === source.category || !covers(source.category, category)) {
          throw new Error(`field ${field} of ${source.category}: ${category} must be a category below ${source.category}`);
        }
      }
      if (sources.has(source.category)) throw new Error(`a data source for ${source.category} is already registered`);
      sources.set(source.category, source);
    },
    get: (category) => sources.get(category),
    categories: () => [...sources.keys()].sort(),
    all: () => [...sources.values()].sort((a, b) => (a.category < b.category ? -1 : 1)),
  };
}
