// English names of the jurisdictions people see in the interface ("Stored in Japan · JP").
const names: Record<string, string> = {
  JP: 'Japan',
  KR: 'South Korea',
  CN: 'China',
  US: 'United States',
  GB: 'United Kingdom',
  DE: 'Germany',
  FR: 'France',
  SG: 'Singapore',
  TW: 'Taiwan',
  IN: 'India',
};

export function countryName(code: string): string {
  try {
    return names[code] ?? new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code;
  } catch {
    return code;
  }
}
