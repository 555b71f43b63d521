# Included by hardware/sim/Makefile: the control endpoint's sources, compiled
# into libsipt_sim.so with the card (they define sipt_sim_ctl_start/stop).
SIMCTL_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
CTL_SRCS += $(addprefix $(SIMCTL_DIR),pbwire.c frame.c ccmsg.c simctl.c sim_glue.c)
