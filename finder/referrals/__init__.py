"""Referrals: each referred patient's journey, from referral to follow-up."""
