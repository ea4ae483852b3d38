// The database of a cell and the directory, as types that every domain extends: cells/ owns
// only its own tables, and each domain adds its tables to these interfaces in its own
// `*.tables.ts` (declaration merging), so cells/ never imports a domain.
import type { Selectable } from 'kysely';

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

export interface CellDatabase {
  cell_meta: CellMetaTable;
}

export interface DirectoryDatabase {
  subject: DirectorySubjectTable;
  login: DirectoryLoginTable;
  directory_meta: DirectoryMetaTable;
  record_location: DirectoryRecordLocationTable;
}

export type DirectorySubject = Selectable<DirectorySubjectTable>;
