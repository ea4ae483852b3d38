// The database of a cell and the directory, as types that every domain extends: cells/ owns
// only its own tables, and each domain adds its tables to these interfaces in its own
// `*.tables.ts` (declaration merging), so cells/ never imports a domain.
import type { Selectable } from 'kysely';

/** Columns every personal-data row carries (invariant 2). */
export interface PersonalColumns {
  subject_id: string;
  subject_home: string;
  category: string;
  cell_id: string;
  /** Home jurisdiction of the scope that decides placement: the subject, or the conversation. */
  scope_home: string;
  scope_class: string;
}

export const personalColumnNames = ['subject_id', 'subject_home', 'category', 'cell_id', 'scope_home', 'scope_class'] as const satisfies readonly (keyof PersonalColumns)[];

export interface CellMetaTable {
  key: string;
  value: string;
}

/** The directory holds routing data only: ids, homes, classes and keyed hashes of logins. */
export interface DirectorySubjectTable {
  id: string;
  kind: string;
  home: string;
  class: string;
  created_at: string;
}

export interface DirectoryLoginTable {
  login_key: string;
  subject_id: string;
}

export interface DirectoryMetaTable {
  key: string;
  value: string;
}

/** Which cell holds an addressable record now (ids and cell ids only). */
export interface DirectoryRecordLocationTable {
  kind: string;
  id: string;
  cell_id: string;
}

/** One version of the effective placement (rules and staging rules as JSON). */
export interface DirectoryPlacementVersionTable {
  version: number;
  rules: string;
  staging: string;
  fence: string;
  reason: string;
  created_at: string;
}

export interface CellDatabase {
  cell_meta: CellMetaTable;
}

export interface DirectoryDatabase {
  subject: DirectorySubjectTable;
  login: DirectoryLoginTable;
  directory_meta: DirectoryMetaTable;
  record_location: DirectoryRecordLocationTable;
  placement_version: DirectoryPlacementVersionTable;
}

export type DirectorySubject = Selectable<DirectorySubjectTable>;
