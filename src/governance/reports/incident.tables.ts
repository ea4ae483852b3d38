// The incidents table in the directory: an incident a privacy officer opened, with its scope as a
// query over the access log (home, where the actors were, employer, dates). Codes, dates and a
// title only — never personal data, so it lives in the directory and not in a cell.

export interface DirectoryIncidentTable {
  id: string;
  title: string;
  /** When the business became aware of it (RFC 3339 UTC): the report deadlines run from here. */
  known_at: string;
  home: string;
  /** Actors whose country is not this one are in scope (the usual "access from abroad"). */
  actor_outside: string | null;
  /** Actors of this country are in scope. */
  actor_country: string | null;
  employer: string | null;
  /** First and last calendar day (UTC) of the window, YYYY-MM-DD. */
  from_day: string;
  to_day: string;
  /** 1 when a wrongful purpose (unauthorised access, insider theft) is suspected: APPI's 60-day final report. */
  wrongful_purpose: number;
  created_at: string;
  created_by: string;
}

declare module '../../cells/cell.database.js' {
  interface DirectoryDatabase {
    incident: DirectoryIncidentTable;
  }
}
