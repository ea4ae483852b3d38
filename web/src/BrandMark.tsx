// The Domicile mark (a house on the accent tile), shown by the sign-in screen, the public page and
// the chat sidebar; its own module so none of them imports another screen to draw it.
export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <rect width="24" height="24" rx="7" fill="currentColor" />
      <path d="M12 5.5 5.5 11h1.8v7.5h3.6V14h2.2v4.5h3.6V11h1.8L12 5.5z" fill="#fff" />
    </svg>
  );
}

/** The mark with the product name, as headers show it. */
export function Brand() {
  return (
    <div className="brand">
      <BrandMark />
      <span>Domicile</span>
    </div>
  );
}
