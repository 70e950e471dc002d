-- Sessions, the degenerate dimension of fct_events.
select * from {{ ref('int_sessions') }}
