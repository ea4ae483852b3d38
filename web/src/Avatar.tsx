// Small visual atoms used across screens: avatars (picture or initials) and the residency badge.
import type { StoredIn, User } from './types.js';
import { avatarPath } from './api.js';
import { hueFor, initials, residencyLabel } from './format.js';
import { useAuthImage } from './media.js';

interface AvatarProps {
  user: Pick<User, 'id' | 'displayName' | 'hasAvatar'>;
  size?: 'sm' | 'md' | 'lg';
  /** Changes after an upload so the new picture is fetched instead of the cached one. */
  version?: number;
}

export function Avatar({ user, size = 'md', version = 0 }: AvatarProps) {
  return user.hasAvatar ? (
    <PictureAvatar user={user} size={size} version={version} />
  ) : (
    <InitialsAvatar user={user} size={size} />
  );
}

function InitialsAvatar({ user, size }: { user: AvatarProps['user']; size: string }) {
  return (
    <span
      className={`avatar avatar-${size}`}
      style={{ background: `hsl(${hueFor(user.id)} 45% 88%)`, color: `hsl(${hueFor(user.id)} 45% 25%)` }}
      aria-hidden="true"
    >
      {initials(user.displayName)}
    </span>
  );
}

function PictureAvatar({ user, size, version }: { user: AvatarProps['user']; size: string; version: number }) {
  const img = useAuthImage(avatarPath(user.id), `avatar:${user.id}:${version}`);
  if (img.status !== 'ready') return <InitialsAvatar user={user} size={size} />;
  return <img className={`avatar avatar-${size}`} src={img.url} alt="" data-testid="avatar-image" />;
}

export function ResidencyBadge({
  storedIn,
  imagesStoredIn,
  compact = false,
  what,
}: {
  storedIn: StoredIn;
  imagesStoredIn?: StoredIn;
  compact?: boolean;
  /** What is stored there, for the tooltip, when it is not a chat's messages (e.g. "Your payment data"). */
  what?: string;
}) {
  const imagesElsewhere = imagesStoredIn && imagesStoredIn.cell !== storedIn.cell ? imagesStoredIn : null;
  const label = imagesElsewhere
    ? `${residencyLabel(storedIn)} · images in ${imagesElsewhere.country || imagesElsewhere.jurisdiction} · ${imagesElsewhere.jurisdiction}`
    : residencyLabel(storedIn);
  const title = imagesElsewhere
    ? `Messages in this chat are stored in the ${storedIn.jurisdiction} cell (${storedIn.cell}); its images in the ${imagesElsewhere.jurisdiction} cell (${imagesElsewhere.cell}).`
    : `${what ?? 'Messages and images in this chat'} ${what ? 'is' : 'are'} stored in the ${storedIn.jurisdiction} cell (${storedIn.cell}).`;
  return (
    <span
      className={compact ? 'residency residency-compact' : 'residency'}
      data-testid="residency-badge"
      title={title}
    >
      <svg className="residency-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <path
          d="M8 1.5 1.5 7h1.8v7h3.9V10h1.6v4h3.9V7h1.8L8 1.5z"
          fill="currentColor"
        />
      </svg>
      {label}
    </span>
  );
}
