// Types for bin/source-stamp.js (plain JS so the launcher needs no compiler).
export declare const STAMP: string;
export declare function sourceListing(root: string): string;
export declare function distIsCurrent(root: string): boolean;
